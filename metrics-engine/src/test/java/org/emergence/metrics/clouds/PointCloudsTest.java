package org.emergence.metrics.clouds;

import ai.djl.ndarray.NDManager;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.modular.ModularAdditionConfig;
import org.emergence.workloads.modular.ModularAdditionMlp;
import org.emergence.workloads.modular.Variant;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PointCloudsTest {

    @Test
    void aPerfectFourierEmbeddingIsTheRegularPolygonOnItsFrequencyPlane() {
        // Row a on a circle of radius 4 at angle 2 pi k a / p in a tilted plane of R^5, shifted, plus a
        // circle of radius 1 at frequency j in another plane: the strongest plane alone is a regular
        // p-gon, residues a and a + 1 k steps apart on it.
        int p = 11;
        int k = 3;
        int j = 5;
        double[][] rows = new double[p][5];
        for (int a = 0; a < p; a++) {
            double angle = 2 * Math.PI * k * a / p;
            double weak = 2 * Math.PI * j * a / p;
            double tilt = 2 * Math.sqrt(2) * Math.cos(angle);
            rows[a] = new double[] {1 + tilt, tilt, 4 * Math.sin(angle), Math.cos(weak), Math.sin(weak)};
        }
        double[][] plane = PointClouds.frequencyPlanes(PointClouds.centredUnitScale(rows), p, 1);
        double radius = Math.hypot(plane[0][0], plane[0][1]);
        for (int a = 0; a < p; a++) {
            assertEquals(2, plane[a].length);
            assertEquals(radius, Math.hypot(plane[a][0], plane[a][1]), 1e-9, "on one circle");
            int next = (a + 1) % p;
            double chord = Math.hypot(plane[a][0] - plane[next][0], plane[a][1] - plane[next][1]);
            assertEquals(2 * radius * Math.sin(Math.PI * k / p), chord, 1e-9, "consecutive residues k steps apart");
        }
        // Unit scale divides by the root-mean-square norm sqrt(4^2 + 1^2).
        assertEquals(4 / Math.sqrt(17), radius, 1e-9);
        assertEquals(4, PointClouds.frequencyPlanes(PointClouds.centredUnitScale(rows), p, 2)[0].length);
    }

    @Test
    void principalComponentsOfAKnownMatrix() {
        // Points +-2 along one axis and +-1 along another, rotated in R^3: centred, unit RMS norm
        // sqrt(10/4), the components are the two axes in order of spread.
        double c = Math.cos(0.4);
        double s = Math.sin(0.4);
        double[][] axes = {{2, 0, 0}, {-2, 0, 0}, {0, 1, 0}, {0, -1, 0}};
        double[][] rotated = new double[4][];
        for (int i = 0; i < 4; i++) {
            double[] x = axes[i];
            rotated[i] = new double[] {c * x[0] - s * x[1], s * x[0] + c * x[1], x[2]};
        }
        double[][] pcs = PointClouds.principalComponents(PointClouds.centredUnitScale(rotated), 2);
        double scale = Math.sqrt(10 / 4.0);
        double[][] expected = {{2 / scale, 0}, {2 / scale, 0}, {0, 1 / scale}, {0, 1 / scale}};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i][0], Math.abs(pcs[i][0]), 1e-12, Arrays.toString(pcs[i]));
            assertEquals(expected[i][1], Math.abs(pcs[i][1]), 1e-12, Arrays.toString(pcs[i]));
        }
    }

    @Test
    void whatAModelLacksIsNotApplicableAndWhatNoModelHasIsTheCallersMistake() {
        ModularAdditionMlp mlp = new ModularAdditionMlp(new ModularAdditionConfig(7, 0.5, Variant.MLP, 4, 1, 8));
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = mlp.initialise(manager, 1);
            Trace noPass = null;
            // The unembedding's rows are the 8 hidden neurons, not the 7 residues.
            assertInstanceOf(PointCloud.NotApplicable.class, PointClouds.build(spec("u",
                    CloudSpec.Representation.UNEMBEDDING, "", CloudSpec.Construction.FREQUENCY_PLANES, 1),
                    mlp, parameters, noPass));
            PointCloud planes = PointClouds.build(spec("e", CloudSpec.Representation.TOKEN_EMBEDDING, "",
                    CloudSpec.Construction.FREQUENCY_PLANES, 1), mlp, parameters, noPass);
            assertEquals(7, ((PointCloud.Points) planes).rows().length);
            InvalidCloudException unknown = assertThrows(InvalidCloudException.class, () -> PointClouds.build(
                    spec("w", CloudSpec.Representation.PARAMETER, "embed.X", CloudSpec.Construction.RAW, 1),
                    mlp, parameters, noPass));
            assertEquals("representation.name", unknown.field());
            InvalidCloudException planesOfZ7 = assertThrows(InvalidCloudException.class, () -> PointClouds.build(
                    spec("e", CloudSpec.Representation.TOKEN_EMBEDDING, "", CloudSpec.Construction.FREQUENCY_PLANES, 4),
                    mlp, parameters, noPass));
            assertEquals("components", planesOfZ7.field());
        }
        assertEquals("max_points", assertThrows(InvalidCloudException.class, () -> new CloudSpec("x",
                CloudSpec.Representation.OUTPUTS, "", CloudSpec.Construction.RAW, 1, 1, 2)).field());
    }

    private static CloudSpec spec(String name, CloudSpec.Representation representation, String representationName,
                                  CloudSpec.Construction construction, int components) {
        return new CloudSpec(name, representation, representationName, construction, components, 1, 200);
    }
}
