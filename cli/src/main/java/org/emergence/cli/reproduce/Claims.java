package org.emergence.cli.reproduce;

import org.emergence.cli.reproduce.claims.AttentionPhasesClaim;
import org.emergence.cli.reproduce.claims.GrokkingTopologyClaim;
import org.emergence.cli.reproduce.claims.HopfClaim;
import org.emergence.cli.reproduce.claims.IclRegressionClaim;
import org.emergence.cli.reproduce.claims.InductionClaim;
import org.emergence.cli.reproduce.claims.LewisGameClaim;
import org.emergence.cli.reproduce.claims.LlcClaim;
import org.emergence.cli.reproduce.claims.PhaseProbeClaim;
import org.emergence.cli.reproduce.claims.SparseParityClaim;
import org.emergence.cli.reproduce.claims.SuperpositionClaim;
import org.emergence.cli.reproduce.claims.VisionLocalityClaim;

import java.util.List;
import java.util.Optional;

/** Every claim {@code ./emergence reproduce} knows, in the order {@code --list} shows them. */
public final class Claims {

    private static final List<Claim> ALL = List.of(
            // The seeds' settings (issue order), then the instruments' own claims.
            new SparseParityClaim(), new SuperpositionClaim(), new IclRegressionClaim(), new InductionClaim(),
            new AttentionPhasesClaim(), new LewisGameClaim(), new VisionLocalityClaim(),
            new GrokkingTopologyClaim(), new PhaseProbeClaim(), new HopfClaim(), new LlcClaim());

    private Claims() {
    }

    public static List<Claim> all() {
        return ALL;
    }

    public static Optional<Claim> named(String name) {
        return ALL.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
