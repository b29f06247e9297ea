package org.emergence.tda.persistence;

/** One bar of a persistence diagram; {@code death} is +infinity for an essential class. */
public record PersistencePair(double birth, double death) {

    public boolean isEssential() {
        return Double.isInfinite(death);
    }

    /** death - birth; +infinity for an essential class. */
    public double persistence() {
        return death - birth;
    }
}
