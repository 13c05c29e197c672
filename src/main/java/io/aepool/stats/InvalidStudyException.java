package io.aepool.stats;

/** A study whose counts break a rule of the engine; names the study, the field and the rule. */
public class InvalidStudyException extends IllegalArgumentException {
    private final String studyId;
    private final String field;
    private final String rule;

    public InvalidStudyException(String studyId, String field, String rule) {
        super("study " + studyId + ", " + field + ": " + rule);
        this.studyId = studyId;
        this.field = field;
        this.rule = rule;
    }

    public String studyId() {
        return studyId;
    }

    public String field() {
        return field;
    }

    public String rule() {
        return rule;
    }
}
