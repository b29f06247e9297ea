package org.emergence.tda.timeseries;

import org.emergence.tda.persistence.Cancellation;
import org.emergence.tda.persistence.Diagram;
import org.emergence.tda.persistence.DistanceSource;
import org.emergence.tda.persistence.Metric;
import org.emergence.tda.persistence.RipsOptions;
import org.emergence.tda.persistence.VietorisRips;
import org.emergence.tda.summaries.DiagramStatistics;

import java.util.function.ToDoubleFunction;

/** The Hopf functional Phi of docs/science.md 3.4: max finite H1 persistence of an embedded orbit. */
public final class LoopFunctional {

    private LoopFunctional() {
    }

    public static ToDoubleFunction<double[][]> maxH1Persistence(Cancellation cancellation) {
        return points -> VietorisRips.compute(DistanceSource.fromPoints(points, Metric.EUCLIDEAN),
                        RipsOptions.defaults(1), cancellation)
                .diagrams().stream()
                .filter(diagram -> diagram.dimension() == 1)
                .map(Diagram::pairs)
                .mapToDouble(pairs -> DiagramStatistics.of(pairs).maxPersistence())
                .findFirst().orElse(0);
    }
}
