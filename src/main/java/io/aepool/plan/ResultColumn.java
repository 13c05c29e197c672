package io.aepool.plan;

/** A column of a results table: its stable snake_case name and value type (writers map it to theirs). */
public record ResultColumn(String name, Type type) {

    public enum Type { TEXT, INT, LONG, DOUBLE, BOOLEAN }

    static ResultColumn text(String name) {
        return new ResultColumn(name, Type.TEXT);
    }

    static ResultColumn integer(String name) {
        return new ResultColumn(name, Type.INT);
    }

    static ResultColumn longs(String name) {
        return new ResultColumn(name, Type.LONG);
    }

    static ResultColumn bool(String name) {
        return new ResultColumn(name, Type.BOOLEAN);
    }

    static ResultColumn number(String name) {
        return new ResultColumn(name, Type.DOUBLE);
    }
}
