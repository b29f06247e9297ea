package org.emergence.tda.summaries;

import java.util.List;
import org.emergence.tda.persistence.PersistencePair;
import org.hipparchus.special.Erf;

/**
 * Persistence image (Adams et al. 2017). Each bar becomes the point (birth, persistence), carrying a Gaussian of
 * standard deviation {@code sigma} weighted by w(p) = min(p / weightScale, 1) (the piecewise-linear weight of the
 * paper, which makes bars near the diagonal vanish). A pixel holds the integral of the weighted Gaussians over its
 * rectangle, so the total mass is the sum of weights when the grid covers the Gaussians.
 *
 * <p>Essential bars are given death {@code essentialDeath} first (see {@link Diagrams#clipEssential}), so they
 * show up as long bars instead of disappearing; pass the filtration threshold to keep them on the picture.
 *
 * @param birthMin left edge of the pixel grid
 * @param birthMax right edge
 * @param persistenceMin bottom edge
 * @param persistenceMax top edge
 * @param birthPixels number of pixel columns
 * @param persistencePixels number of pixel rows
 * @param sigma Gaussian standard deviation
 * @param weightScale persistence at which the weight reaches 1
 * @param essentialDeath death given to essential bars
 */
public record PersistenceImage(
        double birthMin,
        double birthMax,
        double persistenceMin,
        double persistenceMax,
        int birthPixels,
        int persistencePixels,
        double sigma,
        double weightScale,
        double essentialDeath) {

    private static final double SQRT2 = Math.sqrt(2);

    public PersistenceImage {
        requireRange("birth", birthMin, birthMax);
        requireRange("persistence", persistenceMin, persistenceMax);
        if (birthPixels < 1 || persistencePixels < 1) {
            throw new IllegalArgumentException(
                    "resolution must be >= 1 x 1, got " + birthPixels + " x " + persistencePixels);
        }
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be finite and > 0, got " + sigma);
        }
        if (!(weightScale > 0) || Double.isInfinite(weightScale)) {
            throw new IllegalArgumentException("weightScale must be finite and > 0, got " + weightScale);
        }
        if (Double.isNaN(essentialDeath)) {
            throw new IllegalArgumentException("essentialDeath is NaN");
        }
    }

    /**
     * Renders the diagram.
     *
     * @return {@code [persistencePixels][birthPixels]}; row 0 is the lowest persistence band
     */
    public double[][] render(List<PersistencePair> diagram) {
        Diagrams.requireValid(diagram, "diagram");
        double[][] image = new double[persistencePixels][birthPixels];
        for (PersistencePair bar : Diagrams.clipEssential(diagram, essentialDeath)) {
            addBar(image, bar.birth(), bar.persistence());
        }
        return image;
    }

    private void addBar(double[][] image, double birth, double persistence) {
        double weight = Math.min(persistence / weightScale, 1);
        // The Gaussian is separable, so a pixel's integral is the product of two 1-D interval masses.
        double[] columnMass = intervalMasses(birth, birthMin, birthMax, birthPixels);
        double[] rowMass = intervalMasses(persistence, persistenceMin, persistenceMax, persistencePixels);
        for (int row = 0; row < persistencePixels; row++) {
            for (int col = 0; col < birthPixels; col++) {
                image[row][col] += weight * rowMass[row] * columnMass[col];
            }
        }
    }

    /** Mass of N(centre, sigma^2) in each of {@code pixels} equal cells of [min, max]. */
    private double[] intervalMasses(double centre, double min, double max, int pixels) {
        double[] masses = new double[pixels];
        double width = (max - min) / pixels;
        double lowerCdf = normalCdf(min, centre);
        for (int i = 0; i < pixels; i++) {
            double upperCdf = normalCdf(min + (i + 1) * width, centre);
            masses[i] = upperCdf - lowerCdf;
            lowerCdf = upperCdf;
        }
        return masses;
    }

    private double normalCdf(double x, double centre) {
        return 0.5 * (1 + Erf.erf((x - centre) / (sigma * SQRT2)));
    }

    private static void requireRange(String name, double min, double max) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || !(max > min)) {
            throw new IllegalArgumentException(
                    name + " range must be finite with max > min, got [" + min + ", " + max + "]");
        }
    }
}
