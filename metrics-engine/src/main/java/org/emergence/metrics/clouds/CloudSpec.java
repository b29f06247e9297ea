package org.emergence.metrics.clouds;

import java.util.regex.Pattern;

/**
 * A point cloud to build from one of a checkpoint's representations and measure by persistent
 * homology. The limits below are the contract's (metrics.proto PointCloudSpec); the adapter
 * checks requests against them, naming the field.
 *
 * @param name               letters, digits and '_': the qualifier of the cloud's series ids
 * @param representation     which representation the rows come from
 * @param representationName the parameter or layer name for PARAMETER and HIDDEN_STATES; empty
 *                           for HIDDEN_STATES means the last hidden layer
 * @param components         principal components or frequency planes
 * @param maxDimension       homology up to this dimension
 * @param maxPoints          rows kept (a seeded sample) where the representation has more
 */
public record CloudSpec(String name, Representation representation, String representationName,
                        Construction construction, int components, int maxDimension, int maxPoints) {

    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]{1,32}");
    public static final int MAX_COMPONENTS = 16;
    public static final int MAX_DIMENSION = 2;
    public static final int MIN_POINTS = 3;
    public static final int MAX_POINTS = 2000;
    /** Clouds one measurement may ask for: each costs a persistence computation. */
    public static final int MAX_CLOUDS = 8;
    public static final Construction DEFAULT_CONSTRUCTION = Construction.CENTRED_UNIT_SCALE;
    public static final int DEFAULT_PRINCIPAL_COMPONENTS = 2;
    public static final int DEFAULT_FREQUENCY_PLANES = 1;
    public static final int DEFAULT_MAX_DIMENSION = 1;
    public static final int DEFAULT_MAX_POINTS = 200;

    public enum Representation { TOKEN_EMBEDDING, UNEMBEDDING, PARAMETER, HIDDEN_STATES, OUTPUTS }

    public enum Construction {
        /** The rows as they are. */
        RAW,
        /** Rows minus their mean, over the root-mean-square row norm: shape kept, position and scale removed. */
        CENTRED_UNIT_SCALE,
        /** Centred unit-scale rows on their top principal components. */
        PRINCIPAL_COMPONENTS,
        /** Centred unit-scale rows (indexed by Z_p) on the planes of their strongest Fourier frequencies. */
        FREQUENCY_PLANES;

        /** Components when the caller names none (0). */
        public int defaultComponents() {
            return this == FREQUENCY_PLANES ? DEFAULT_FREQUENCY_PLANES : DEFAULT_PRINCIPAL_COMPONENTS;
        }
    }

    /** @throws InvalidCloudException naming the field out of its limits */
    public CloudSpec {
        if (!NAME.matcher(name).matches()) {
            throw new InvalidCloudException(name, "name", "name must be 1 to 32 letters, digits or '_', got '"
                    + name + "'");
        }
        if (components < 1 || components > MAX_COMPONENTS) {
            throw new InvalidCloudException(name, "components", "components must be in [1, " + MAX_COMPONENTS
                    + "], got " + components);
        }
        if (maxDimension < 0 || maxDimension > MAX_DIMENSION) {
            throw new InvalidCloudException(name, "max_dimension", "max_dimension must be in [0, " + MAX_DIMENSION
                    + "], got " + maxDimension);
        }
        if (maxPoints < MIN_POINTS || maxPoints > MAX_POINTS) {
            throw new InvalidCloudException(name, "max_points", "max_points must be in [" + MIN_POINTS + ", "
                    + MAX_POINTS + "], got " + maxPoints);
        }
    }
}
