package org.emergence.metrics.clouds;

/**
 * A cloud spec that names something the model does not have, or asks for more than its rows
 * allow: the caller's mistake, reported on the spec's field.
 *
 * @see #field()
 */
public final class InvalidCloudException extends IllegalArgumentException {

    private final String cloud;
    private final String field;

    InvalidCloudException(String cloud, String field, String message) {
        super(message);
        this.cloud = cloud;
        this.field = field;
    }

    InvalidCloudException(CloudSpec spec, String field, String message) {
        this(spec.name(), field, message);
    }

    public String cloud() {
        return cloud;
    }

    /** The spec's field at fault, in the contract's terms (metrics.proto PointCloudSpec): {@code components}, {@code representation.name}. */
    public String field() {
        return field;
    }
}
