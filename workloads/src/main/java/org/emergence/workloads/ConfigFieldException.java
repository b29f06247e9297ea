package org.emergence.workloads;

/**
 * A workload config rejected for one field, named as the contract names it (snake case, e.g.
 * {@code n_tasks}), so a service can point the caller at the request path of that field.
 */
public final class ConfigFieldException extends IllegalArgumentException {

    private final String field;
    private final String problem;

    /** @param problem what is wrong, reading on from the field's name, e.g. "must be positive, got 0" */
    public ConfigFieldException(String field, String problem) {
        super(field + " " + problem);
        this.field = field;
        this.problem = problem;
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }

    /** Throws for {@code field} unless {@code valid}. */
    public static void require(boolean valid, String field, String problem) {
        if (!valid) {
            throw new ConfigFieldException(field, problem);
        }
    }

    /** Throws unless {@code value} lies in [min, max]. */
    public static void requireInRange(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigFieldException(field, "must lie in [" + min + ", " + max + "], got " + value);
        }
    }
}
