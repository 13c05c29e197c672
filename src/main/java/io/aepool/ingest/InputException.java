package io.aepool.ingest;

/**
 * Bad input: names the file, the column, the row key and the rule broken, so a user can find and fix it.
 * The CLI maps it to exit code 2 and nothing is published.
 */
public class InputException extends RuntimeException {
    private final String file;
    private final String column;
    private final String key;
    private final String rule;

    public InputException(String file, String column, String key, String rule) {
        super("bad input: file " + file + ", column " + column + ", " + key + ": " + rule);
        this.file = file;
        this.column = column;
        this.key = key;
        this.rule = rule;
    }

    public String file() {
        return file;
    }

    public String column() {
        return column;
    }

    public String key() {
        return key;
    }

    public String rule() {
        return rule;
    }
}
