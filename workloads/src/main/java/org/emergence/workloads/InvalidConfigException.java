package org.emergence.workloads;

/**
 * A workload config field out of range, with the field named in the contract's spelling
 * ({@code noise_variance}), so a service can point the caller at the exact request field.
 */
public final class InvalidConfigException extends IllegalArgumentException {

    private final String field;

    /** @param reason completes "{@code field} ...", e.g. "must be positive, got 0" */
    public InvalidConfigException(String field, String reason) {
        super(field + " " + reason);
        this.field = field;
    }

    /** Throws for {@code field} unless {@code valid}. */
    public static void require(boolean valid, String field, String reason) {
        if (!valid) {
            throw new InvalidConfigException(field, reason);
        }
    }

    public String field() {
        return field;
    }
}
