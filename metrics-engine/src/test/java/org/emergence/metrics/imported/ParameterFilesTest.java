package org.emergence.metrics.imported;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.imported.ImportedModel;
import org.emergence.workloads.imported.NpzArrays;
import org.emergence.workloads.imported.ParameterFiles;
import org.emergence.workloads.imported.ParameterMapping;
import org.emergence.workloads.imported.ParameterMapping.Rename;
import org.emergence.workloads.imported.TorchScriptWorkload;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parameter files PyTorch wrote (safetensors by hand, npz by numpy) under PyTorch's names, renamed
 * into the built-in MLP: its outputs, hidden state and loss are PyTorch's own, and its LLC is the
 * TorchScript module's of the same step within Monte Carlo error.
 */
class ParameterFilesTest {

    /** PyTorch's names to the built-in MLP's; a Linear weight is [out, in] there, [in, out] here. */
    static final List<Rename> RENAMES = List.of(new Rename("emb.weight", "embed.W", false),
            new Rename("hidden.weight", "hidden.W", true), new Rename("hidden.bias", "hidden.b", false),
            new Rename("out.weight", "out.W", true), new Rename("out.bias", "out.b", false));

    @TempDir
    static Path folder;
    static Map<String, NamedTensor> reference;

    @BeforeAll
    static void train() throws Exception {
        TorchScriptFixtures.train(folder, 300, 4, "--parameter-files");
        reference = NpzArrays.read(Files.readAllBytes(folder.resolve("reference.npz")), 1 << 30);
    }

    private static List<NamedTensor> expected(NDManager manager) {
        return NamedTensors.fromParameters(TorchScriptFixtures.builtIn().initialise(manager, 0));
    }

    private static Parameters imported(NDManager manager, String file, List<Rename> renames) throws Exception {
        List<NamedTensor> expected = expected(manager);
        ParameterMapping mapping = new ParameterMapping(renames, Set.copyOf(expected.stream().map(NamedTensor::name).toList()));
        return NamedTensors.toParameters(manager, mapping.apply(
                ParameterFiles.read(file, Files.readAllBytes(folder.resolve(file)), 1 << 30), expected));
    }

    @Test
    void everyFormAndDtypeGivesTheBuiltInModelPyTorchsOutputs() throws Exception {
        Workload builtIn = TorchScriptFixtures.builtIn();
        // Float32 and float64 carry PyTorch's float32 values exactly; half precision rounds them.
        Map<String, Double> tolerance = Map.of("step-300.safetensors", 1e-5, "step-300.npz", 1e-5,
                "last-F32.safetensors", 1e-5, "last-F64.safetensors", 1e-5, "last-F16.safetensors", 2e-2,
                "last-BF16.safetensors", 2e-1);
        try (NDManager manager = NDManager.newBaseManager()) {
            Batch train = builtIn.data(manager, TorchScriptFixtures.SEED).train();
            double pytorchLoss = ref(manager, "loss").toType(DataType.FLOAT64, false).getDouble();
            for (var file : tolerance.entrySet()) {
                Parameters parameters = imported(manager, file.getKey(), RENAMES);
                Trace trace = builtIn.trace(parameters, train.inputs(), new TraceRequest(Set.of("hidden"), false));
                double loss = builtIn.loss(trace.outputs(), train.targets()).toType(DataType.FLOAT64, false).getDouble();
                assertEquals(pytorchLoss, loss, file.getValue() * Math.max(1, pytorchLoss), file.getKey());
                assertClose(ref(manager, "logits"), trace.outputs(), file.getValue() * 10, file.getKey());
                assertClose(ref(manager, "hidden"), trace.hidden().get("hidden"), file.getValue() * 10, file.getKey());
            }
        }
    }

    @Test
    void llcAgreesWithTheTorchScriptModuleOfTheSameStep() throws Exception {
        Workload builtIn = TorchScriptFixtures.builtIn();
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NamedTensor> data = NpzArrays.read(Files.readAllBytes(folder.resolve("data.npz")), 1 << 30);
            TorchScriptWorkload module = new TorchScriptWorkload(new ImportedModel("test", true, List.of("hidden")),
                    Files.readAllBytes(folder.resolve("step-300.pt")), data);
            LlcAgreement.assertLlcAgrees(builtIn, imported(manager, "step-300.safetensors", RENAMES),
                    builtIn.data(manager, TorchScriptFixtures.SEED).train(),
                    module, module.initialise(manager, 0), module.data(manager, 0).train());
        }
    }

    @Test
    void wrongNamesAndShapesAreListedWithTheExpectedShapes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            String unmapped = assertThrows(IllegalArgumentException.class,
                    () -> imported(manager, "step-300.npz", List.of())).getMessage();
            assertTrue(unmapped.contains("missing [embed.W [23, 16], hidden.W [32, 32]"), unmapped);
            assertTrue(unmapped.contains("unexpected [emb.weight [23, 16]"), unmapped);
            List<Rename> untransposed = RENAMES.stream().map(r -> new Rename(r.from(), r.to(), false)).toList();
            String shape = assertThrows(IllegalArgumentException.class,
                    () -> imported(manager, "step-300.safetensors", untransposed)).getMessage();
            assertTrue(shape.contains("out.W is [23, 32], expected [32, 23] (transposed"), shape);
            assertTrue(shape.contains("the workload expects embed.W [23, 16], hidden.W [32, 32], hidden.b [32], "
                    + "out.W [32, 23], out.b [23]"), shape);
            String target = assertThrows(IllegalArgumentException.class, () -> imported(manager, "step-300.npz",
                    List.of(new Rename("emb.weight", "embedding", false)))).getMessage();
            assertTrue(target.contains("names no parameter of the workload"), target);
            List<Rename> tooMany = new java.util.ArrayList<>(RENAMES);
            tooMany.add(new Rename("extra", "embed.W", false));
            String count = assertThrows(IllegalArgumentException.class,
                    () -> imported(manager, "step-300.npz", tooMany)).getMessage();
            assertTrue(count.contains("6 renames, more than the workload's 5 parameters"), count);
        }
    }

    private static NDArray ref(NDManager manager, String name) {
        return NamedTensors.toNDArray(manager, reference.get(name));
    }

    private static void assertClose(NDArray expected, NDArray actual, double tolerance, String what) {
        assertEquals(expected.getShape(), actual.getShape(), what);
        double difference = expected.toType(DataType.FLOAT64, false).sub(actual.toType(DataType.FLOAT64, false))
                .abs().max().getDouble();
        assertTrue(difference <= tolerance, what + " differs by " + difference);
    }
}
