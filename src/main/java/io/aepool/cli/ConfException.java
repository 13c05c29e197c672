package io.aepool.cli;

/** A conf file that cannot be used: names the file and the key. Exit code 2. */
public class ConfException extends RuntimeException {
    public ConfException(String message) {
        super(message);
    }

    public ConfException(String message, Throwable cause) {
        super(message, cause);
    }
}
