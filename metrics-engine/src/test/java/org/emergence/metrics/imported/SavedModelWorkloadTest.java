package org.emergence.metrics.imported;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.emergence.metrics.checkpoint.CheckpointMeasurement;
import org.emergence.metrics.checkpoint.CheckpointProbes;
import org.emergence.metrics.checkpoint.ProbeKind;
import org.emergence.metrics.clouds.CloudSpec;
import org.emergence.metrics.clouds.PointCloud;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.imported.ImportedModel;
import org.emergence.workloads.imported.ImportedWorkload;
import org.emergence.workloads.imported.SavedModelArchive;
import org.emergence.workloads.imported.SavedModelFixtures;
import org.emergence.workloads.imported.SavedModelWorkload;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A SavedModel written by TF-Java with weights the test chooses, run by DJL's TensorFlow engine,
 * against the same MLP written as PyTorch array operations: outputs, hidden states and every
 * forward-only probe agree; the gradient probes are not applicable, with the reason.
 */
class SavedModelWorkloadTest {

    private static final int INPUTS = 4;
    private static final int WIDTH = 24;
    private static final int CLASSES = 3;
    private static final SavedModelFixtures.Mlp MLP = SavedModelFixtures.Mlp.random(INPUTS, WIDTH, CLASSES, 5);
    private static final ImportedModel MODEL = new ImportedModel("test", true, List.of("hidden"));

    @TempDir
    static Path folder;
    static byte[] archive;
    static Map<String, NamedTensor> data;

    @BeforeAll
    static void export() throws Exception {
        archive = SavedModelArchive.pack(SavedModelFixtures.write(folder.resolve("step-1"), MLP), 1 << 30);
        data = SavedModelFixtures.data(INPUTS, CLASSES, 300, 200, 3);
    }

    /** The same MLP on PyTorch, from the same named parameters. */
    private static final class PyTorchMlp extends ImportedWorkload {
        PyTorchMlp() {
            super(MODEL, data);
        }

        @Override
        public String name() {
            return "pytorch-mlp";
        }

        @Override
        protected String format() {
            return "reference MLP";
        }

        @Override
        public Parameters initialise(NDManager manager, long seed) {
            return new Parameters().put("hidden/kernel", manager.create(MLP.w1())).put("hidden/bias", manager.create(MLP.b1()))
                    .put("out/kernel", manager.create(MLP.w2())).put("out/bias", manager.create(MLP.b2()));
        }

        @Override
        public Trace traceAll(Parameters p, NDArray inputs) {
            NDArray hidden = inputs.matMul(p.get("hidden/kernel")).add(p.get("hidden/bias")).maximum(0f);
            return new Trace(hidden.matMul(p.get("out/kernel")).add(p.get("out/bias")), Map.of("hidden", hidden), List.of());
        }
    }

    @Test
    void theVariablesAreTheWeightsTheTestChose() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters variables = new SavedModelWorkload(MODEL, archive, data).initialise(manager, 0);
            Parameters chosen = new PyTorchMlp().initialise(manager, 0);
            assertEquals(chosen.asMap().keySet(), variables.asMap().keySet());
            chosen.asMap().forEach((name, value) -> assertTrue(value.contentEquals(variables.get(name)), name));
            assertEquals("PyTorch", Engine.getInstance().getEngineName(), "TensorFlow must not become the default engine");
            assertEquals("PyTorch", variables.get("out/bias").getManager().getEngine().getEngineName());
        }
    }

    @Test
    void outputsHiddenStatesAndForwardProbesMatchPyTorch() {
        SavedModelWorkload savedModel = new SavedModelWorkload(MODEL, archive, data);
        PyTorchMlp reference = new PyTorchMlp();
        Set<ProbeKind> probes = EnumSet.of(ProbeKind.LOSS_ACCURACY, ProbeKind.WEIGHT_NORM,
                ProbeKind.INTRINSIC_DIMENSION, ProbeKind.PHASE, ProbeKind.HESSIAN);
        List<CloudSpec> clouds = List.of(cloud("kernel", CloudSpec.Representation.PARAMETER, "hidden/kernel"),
                cloud("hidden", CloudSpec.Representation.HIDDEN_STATES, "hidden"),
                cloud("outputs", CloudSpec.Representation.OUTPUTS, ""));
        CheckpointProbes.GradientLane lane = CheckpointProbes.GradientLane.IN_PLACE;
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = savedModel.initialise(manager, 0);
            DataSplit split = savedModel.data(manager, 0);
            Trace tf = savedModel.trace(parameters, split.train().inputs(), new TraceRequest(Set.of("hidden"), false));
            Trace pt = reference.trace(parameters, split.train().inputs(), new TraceRequest(Set.of("hidden"), false));
            assertClose(pt.outputs(), tf.outputs(), 1e-5);
            assertClose(pt.hidden().get("hidden"), tf.hidden().get("hidden"), 1e-5);

            CheckpointMeasurement measured = CheckpointProbes.measure(savedModel, parameters, split, probes, clouds, lane);
            CheckpointMeasurement expected = CheckpointProbes.measure(reference, parameters, split,
                    EnumSet.complementOf(EnumSet.of(ProbeKind.HESSIAN, ProbeKind.FOURIER, ProbeKind.ATTENTION)), clouds, lane);
            System.out.println("SavedModel probes " + measured.scalars());
            assertEquals(Set.of(ProbeKind.HESSIAN), measured.notApplicable().keySet());
            assertTrue(measured.notApplicable().get(ProbeKind.HESSIAN).contains("forward only"));
            assertEquals(expected.scalars().keySet(), measured.scalars().keySet());
            expected.scalars().forEach((id, value) -> assertEquals(value, measured.scalars().get(id),
                    1e-5 * Math.max(1, Math.abs(value)), id));
            // The loss and accuracy against plain arithmetic on the reference's logits.
            double[] logits = pt.outputs().toType(DataType.FLOAT64, false).toDoubleArray();
            long[] labels = split.train().targets().toLongArray();
            double loss = 0;
            int correct = 0;
            for (int row = 0; row < labels.length; row++) {
                double max = Double.NEGATIVE_INFINITY;
                int argMax = 0;
                for (int c = 0; c < CLASSES; c++) {
                    if (logits[row * CLASSES + c] > max) {
                        max = logits[row * CLASSES + c];
                        argMax = c;
                    }
                }
                double sum = 0;
                for (int c = 0; c < CLASSES; c++) {
                    sum += Math.exp(logits[row * CLASSES + c] - max);
                }
                loss += max + Math.log(sum) - logits[row * CLASSES + (int) labels[row]];
                correct += argMax == labels[row] ? 1 : 0;
            }
            assertEquals(loss / labels.length, measured.scalars().get("train_loss"), 1e-5);
            assertEquals(correct / (double) labels.length, measured.scalars().get("train_accuracy"), 1e-12);
            assertTrue(measured.intrinsicDimension().orElseThrow().twoNn() > 0);
            for (int i = 0; i < clouds.size(); i++) {
                double[][] got = assertInstanceOf(PointCloud.Points.class, measured.clouds().get(i)).rows();
                double[][] want = assertInstanceOf(PointCloud.Points.class, expected.clouds().get(i)).rows();
                assertEquals(want.length, got.length);
                for (int row = 0; row < want.length; row++) {
                    assertArrayEquals(want[row], got[row], 1e-5, clouds.get(i).name() + " row " + row);
                }
            }
        }
    }

    @Test
    void itRunsOnlyAtItsOwnVariables() {
        SavedModelWorkload savedModel = new SavedModelWorkload(MODEL, archive, data);
        assertTrue(savedModel.forwardOnly().isPresent());
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = savedModel.initialise(manager, 0);
            NDArray inputs = savedModel.data(manager, 0).test().inputs();
            Parameters moved = new Parameters();
            parameters.asMap().forEach((name, value) -> moved.put(name, value.add(name.equals("out/bias") ? 1f : 0f)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> savedModel.forward(moved, inputs));
            assertTrue(e.getMessage().contains("out/bias"), e.getMessage());
            // Equal values in other arrays are the same point: it runs.
            Parameters copies = new Parameters();
            parameters.asMap().forEach((name, value) -> copies.put(name, value.duplicate()));
            assertEquals(200, savedModel.forward(copies, inputs).getShape().get(0));
        }
    }

    @Test
    void aBrokenSavedModelIsAnIllegalArgument() throws Exception {
        Path broken = Files.createDirectories(folder.resolve("broken"));
        Path source = folder.resolve("step-1");
        Files.createDirectories(broken.resolve("variables"));
        for (String file : List.of("variables/variables.index", "variables/variables.data-00000-of-00001")) {
            Files.copy(source.resolve(file), broken.resolve(file));
        }
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> SavedModelArchive.pack(broken, 1 << 30));
        assertTrue(missing.getMessage().contains("saved_model.pb"), missing.getMessage());
        byte[] graph = Files.readAllBytes(source.resolve("saved_model.pb"));
        Files.write(broken.resolve("saved_model.pb"), java.util.Arrays.copyOf(graph, graph.length / 2));
        SavedModelWorkload truncated = new SavedModelWorkload(MODEL, SavedModelArchive.pack(broken, 1 << 30), data);
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> truncated.initialise(manager, 0));
            assertTrue(e.getMessage().contains("cannot be loaded"), e.getMessage());
            assertFalse(e.getMessage().isBlank());
        }
    }

    private static CloudSpec cloud(String name, CloudSpec.Representation representation, String of) {
        return new CloudSpec(name, representation, of, CloudSpec.Construction.CENTRED_UNIT_SCALE, 2,
                CloudSpec.DEFAULT_MAX_DIMENSION, CloudSpec.DEFAULT_MAX_POINTS);
    }

    private static void assertClose(NDArray expected, NDArray actual, double tolerance) {
        assertEquals(expected.getShape(), actual.getShape());
        double difference = expected.toType(DataType.FLOAT64, false).sub(actual.toType(DataType.FLOAT64, false))
                .abs().max().getDouble();
        System.out.printf("TensorFlow against PyTorch: largest difference %.2e%n", difference);
        assertTrue(difference <= tolerance, "differs by " + difference);
    }
}
