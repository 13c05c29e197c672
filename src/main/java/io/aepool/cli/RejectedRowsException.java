package io.aepool.cli;

/**
 * A strict run ({@code --strict} or conf {@code validation.strict: true}) in which validation rejected input rows: the
 * CLI maps it to exit code 2 and nothing is published. The message names each rule with its rows and studies.
 */
public final class RejectedRowsException extends RuntimeException {

    public RejectedRowsException(String message) {
        super(message);
    }
}
