package org.emergence.metrics.imported;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.emergence.workloads.Batch;
import org.emergence.workloads.ModuleGradients;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.imported.ImportedModel;
import org.emergence.workloads.imported.NpzArrays;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A TorchScript module on DJL's PyTorch engine against PyTorch itself and against the built-in MLP. */
class TorchScriptWorkloadTest {

    @TempDir
    static Path folder;
    static Map<String, NamedTensor> data;
    static Map<String, NamedTensor> reference;
    static byte[] archive;

    @BeforeAll
    static void train() throws Exception {
        TorchScriptFixtures.train(folder, 300, 4);
        data = NpzArrays.read(Files.readAllBytes(folder.resolve("data.npz")), 1 << 30);
        reference = NpzArrays.read(Files.readAllBytes(folder.resolve("reference.npz")), 1 << 30);
        archive = Files.readAllBytes(folder.resolve("step-300.pt"));
    }

    private static TorchScriptWorkload workload() {
        return new TorchScriptWorkload(new ImportedModel("test", true, List.of("hidden")), archive, data);
    }

    @Test
    void forwardHiddenStatesAndGradientsMatchPyTorch() {
        TorchScriptWorkload workload = workload();
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = workload.initialise(manager, 0);
            assertEquals(List.of("emb.weight", "hidden.weight", "hidden.bias", "out.weight", "out.bias"),
                    List.copyOf(parameters.asMap().keySet()));
            Batch train = workload.data(manager, 0).train();
            Trace trace = workload.trace(parameters, train.inputs(), new TraceRequest(Set.of("hidden"), false));
            assertClose(ref(manager, "logits"), trace.outputs(), 1e-5);
            assertClose(ref(manager, "hidden"), trace.hidden().get("hidden"), 1e-5);
            ModuleGradients.Evaluated evaluated = workload.lossAndGradients(parameters, train,
                    List.copyOf(parameters.asMap().keySet()));
            assertEquals(ref(manager, "loss").toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble(), evaluated.loss(), 1e-5);
            List<String> names = List.copyOf(parameters.asMap().keySet());
            for (int i = 0; i < names.size(); i++) {
                assertClose(ref(manager, "grad." + names.get(i)), evaluated.gradients().get(i), 1e-5);
            }
            // A second call sees no gradient left over from the first.
            assertClose(evaluated.gradients().get(0), workload.lossAndGradients(parameters, train, names).gradients().get(0), 1e-7);
            // forward is a function of the parameters it is given, not of the module's state.
            Parameters zero = new Parameters();
            parameters.asMap().forEach((name, value) -> zero.put(name, value.zerosLike()));
            assertEquals(0.0, workload.forward(zero, train.inputs()).abs().max().getFloat(), 0.0);
            assertClose(ref(manager, "logits"), workload.forward(parameters, train.inputs()), 1e-5);
        }
    }

    /**
     * The same weights as the built-in MLP (torch Linear keeps [out, in]; the built-in [in, out]):
     * their LLCs on the same data and settings agree within Monte Carlo error.
     */
    @Test
    void llcAgreesWithTheSameModelAsABuiltInWorkload() {
        Workload builtIn = TorchScriptFixtures.builtIn();
        TorchScriptWorkload imported = workload();
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters own = imported.initialise(manager, 0);
            Parameters mapped = new Parameters()
                    .put("embed.W", own.get("emb.weight"))
                    .put("hidden.W", own.get("hidden.weight").transpose())
                    .put("hidden.b", own.get("hidden.bias"))
                    .put("out.W", own.get("out.weight").transpose())
                    .put("out.b", own.get("out.bias"));
            LlcAgreement.assertLlcAgrees(imported, own, imported.data(manager, 0).train(),
                    builtIn, mapped, builtIn.data(manager, TorchScriptFixtures.SEED).train());
        }
    }

    private static NDArray ref(NDManager manager, String name) {
        return NamedTensors.toNDArray(manager, reference.get(name));
    }

    private static void assertClose(NDArray expected, NDArray actual, double tolerance) {
        assertEquals(expected.getShape(), actual.getShape());
        double difference = expected.toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                .sub(actual.toType(ai.djl.ndarray.types.DataType.FLOAT64, false)).abs().max().getDouble();
        assertTrue(difference <= tolerance, "differs by " + difference);
    }
}
