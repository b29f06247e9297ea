package org.emergence.cli.reproduce;

/**
 * How large a claim's experiments are. {@code SMOKE} shows the mechanism starting and a
 * well-formed verdict in about a minute (the test command runs it); {@code CI}, the default, is
 * the claim itself within about ten minutes on a 2-core machine unless the claim says otherwise;
 * {@code PAPER} is the published size, for a GPU or a long run.
 */
public enum Scale {
    SMOKE, CI, PAPER;

    /** The value for this scale. */
    public <T> T pick(T smoke, T ci, T paper) {
        return switch (this) {
            case SMOKE -> smoke;
            case CI -> ci;
            case PAPER -> paper;
        };
    }

    public int pick(int smoke, int ci, int paper) {
        return pick(Integer.valueOf(smoke), Integer.valueOf(ci), Integer.valueOf(paper));
    }

    public long pick(long smoke, long ci, long paper) {
        return pick(Long.valueOf(smoke), Long.valueOf(ci), Long.valueOf(paper));
    }
}
