package org.emergence.workloads.imported;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.SymbolBlock;
import ai.djl.training.ParameterStore;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A TensorFlow SavedModel as a workload: its serving signature run forward by DJL's TensorFlow
 * engine (TfModel, TfSymbolBlock), on the arrays of the default engine (PyTorch) that every
 * probe works in; each call copies the inputs into TensorFlow and the results back.
 *
 * <p>Convention (docs/import.md): the signature {@code serving_default} of the tag {@code serve}
 * takes one input, the x rows; of its outputs, the one named {@value #OUTPUTS} is the model's
 * outputs (or the only output, whatever its name) and every other is a named hidden state
 * [rows, ...]. The parameters are the model's variables by their graph names ({@code
 * hidden/kernel}), read through the TensorFlow Java session, since DJL's block exposes none.
 *
 * <p>Forward only: DJL's TensorFlow engine has no gradient collector, and the variables live in
 * the TensorFlow session, which DJL gives no way to write. So the model runs at the variables it
 * was saved with; {@link #forwardOnly} says why gradient probes do not apply, and asking for any
 * other parameters is an IllegalArgumentException. An instance is not thread-safe.
 */
public final class SavedModelWorkload extends ImportedWorkload {

    /** The signature output holding the model's outputs when there are several. */
    public static final String OUTPUTS = "outputs";
    static final String ENGINE = "TensorFlow";
    static final String TAG = "serve";
    static final String SIGNATURE = "serving_default";
    private static final Set<String> VARIABLES = Set.of("VariableV2", "Variable");
    private static final Map<DataType, String> DTYPES = Map.of(DataType.DT_FLOAT, "float32",
            DataType.DT_DOUBLE, "float64", DataType.DT_HALF, "float16", DataType.DT_BFLOAT16, "bfloat16",
            DataType.DT_INT8, "int8", DataType.DT_UINT8, "uint8", DataType.DT_INT32, "int32",
            DataType.DT_INT64, "int64", DataType.DT_BOOL, "bool");

    private final byte[] archive;
    private NDManager loadedIn;
    private Model model;
    private Map<String, NamedTensor> variables;
    private Map<String, NDArray> held;

    /** A workload over {@code archive} ({@link SavedModelArchive}) and the data arrays. */
    public SavedModelWorkload(ImportedModel model, byte[] archive, Map<String, NamedTensor> data) {
        super(model, data);
        this.archive = archive;
    }

    @Override
    public String name() {
        return "savedmodel";
    }

    @Override
    protected String format() {
        return "TensorFlow SavedModel";
    }

    /** The serving signature as saved: no training mode to switch off, and no gradients. */
    @Override
    protected String mode() {
        return "serving signature, forward only";
    }

    @Override
    public Optional<String> forwardOnly() {
        return Optional.of("a TensorFlow SavedModel runs forward only: DJL's TensorFlow engine has no gradient "
                + "collector, and the model's variables live in the TensorFlow session, out of reach of the "
                + "parameters a sampler would move");
    }

    /** The model's variables, by their graph names, as the SavedModel holds them. */
    @Override
    public Parameters initialise(NDManager manager, long seed) {
        load(manager);
        Parameters parameters = new Parameters();
        variables.forEach((name, value) -> parameters.put(name, NamedTensors.toNDArray(manager, value)));
        return parameters;
    }

    @Override
    public Trace traceAll(Parameters parameters, NDArray inputs) {
        load(inputs.getManager());
        for (Map.Entry<String, NDArray> own : held.entrySet()) {
            NDArray given = parameters.asMap().get(own.getKey());
            if (given == null) {
                throw new IllegalArgumentException("the parameters lack the SavedModel's variable " + own.getKey());
            }
            if (given != own.getValue() && !given.contentEquals(own.getValue())) {
                throw new IllegalArgumentException("a SavedModel runs only at the variables it was saved with; "
                        + own.getKey() + " differs (" + forwardOnly().orElseThrow() + ")");
            }
            // Equal: the next call with the same arrays skips the comparison.
            own.setValue(given);
        }
        NDManager tensorflow = model.getNDManager().newSubManager();
        try (tensorflow) {
            NDArray fed = tensorflow.create(inputs.toByteBuffer(), inputs.getShape(), inputs.getDataType());
            NDList results = model.getBlock().forward(new ParameterStore(tensorflow, false), new NDList(fed), false);
            NDManager into = inputs.getManager();
            NDArray outputs = null;
            Map<String, NDArray> hidden = new LinkedHashMap<>();
            for (NDArray result : results) {
                NDArray copy = into.create(result.toByteBuffer(), result.getShape(), result.getDataType());
                if (results.size() == 1 || result.getName().equals(OUTPUTS)) {
                    outputs = copy;
                } else {
                    hidden.put(result.getName(), copy);
                }
            }
            return new Trace(outputs, hidden, List.of());
        } catch (EngineException | TensorFlowException | TFInvalidArgumentException e) {
            // TensorFlow's invalid-argument status is an IllegalArgumentException of its own, not a TensorFlowException.
            throw new IllegalArgumentException("the SavedModel cannot run on the inputs "
                    + inputs.getShape() + " " + inputs.getDataType() + ": " + e.getMessage(), e);
        }
    }

    /** The model loaded for {@code manager} (again if an earlier manager has closed): closed with it. */
    private void load(NDManager manager) {
        if (model != null && loadedIn == manager && manager.isOpen()) {
            return;
        }
        // The engine first: it points TF-Java's loader at the natives (TENSORFLOW_LIBRARY_PATH).
        Engine.getEngine(ENGINE);
        Path directory;
        try {
            directory = Files.createTempDirectory("emergence-savedmodel");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder to load the SavedModel from", e);
        }
        try {
            SavedModelArchive.unpack(archive, directory);
            if (variables == null) {
                variables = readVariables(directory);
            }
            Model loaded = Model.newInstance(model().source(), Device.cpu(), ENGINE);
            try {
                loaded.load(directory, SavedModelArchive.GRAPH, Map.of("Tags", TAG, "SignatureDefKey", SIGNATURE));
            } catch (IOException | MalformedModelException | EngineException | TensorFlowException
                     | TFInvalidArgumentException e) {
                loaded.close();
                throw new IllegalArgumentException("the SavedModel cannot be loaded: " + e.getMessage(), e);
            }
            manager.attachInternal(UUID.randomUUID().toString(), loaded);
            model = loaded;
            loadedIn = manager;
            held = new LinkedHashMap<>();
            variables.forEach((name, value) -> held.put(name, NamedTensors.toNDArray(manager, value)));
        } finally {
            SavedModelArchive.remove(directory);
        }
    }

    /**
     * The variables through TF-Java's own session over the same directory: a graph variable's
     * output is its value; a resource variable's is read by a ReadVariableOp added to the graph.
     * Also checks the signature against the convention, naming what does not fit.
     */
    private static Map<String, NamedTensor> readVariables(Path directory) {
        try (SavedModelBundle bundle = SavedModelBundle.load(directory.toString(), TAG)) {
            signature(bundle);
            Session.Runner runner = bundle.session().runner();
            List<String> names = new ArrayList<>();
            for (Iterator<GraphOperation> ops = bundle.graph().operations(); ops.hasNext(); ) {
                GraphOperation op = ops.next();
                Output<?> value;
                if (VARIABLES.contains(op.type())) {
                    value = op.output(0);
                } else if (op.type().equals("VarHandleOp")) {
                    value = bundle.graph().opBuilder("ReadVariableOp", "emergence_read/" + op.name(),
                            bundle.graph().baseScope()).addInput(op.output(0))
                            .setAttr("dtype", op.attributes().getAttrType("dtype")).build().output(0);
                } else {
                    continue;
                }
                if (op.name().startsWith(ImportedTensors.PREFIX)) {
                    throw new IllegalArgumentException("the variable " + op.name() + " takes the prefix "
                            + ImportedTensors.PREFIX + " an imported checkpoint keeps for itself; rename it");
                }
                names.add(op.name());
                runner.fetch(value);
            }
            Map<String, NamedTensor> out = new LinkedHashMap<>();
            if (names.isEmpty()) {
                return out;
            }
            try (Result result = runner.run()) {
                for (int i = 0; i < names.size(); i++) {
                    out.put(names.get(i), tensor(names.get(i), result.get(i)));
                }
            }
            return out;
        } catch (TensorFlowException | TFInvalidArgumentException e) {
            throw new IllegalArgumentException("the SavedModel cannot be loaded: " + e.getMessage(), e);
        }
    }

    private static void signature(SavedModelBundle bundle) {
        SignatureDef signature = bundle.metaGraphDef().getSignatureDefMap().get(SIGNATURE);
        if (signature == null) {
            throw new IllegalArgumentException("the SavedModel has no signature " + SIGNATURE + " (it has "
                    + bundle.metaGraphDef().getSignatureDefMap().keySet() + ")");
        }
        if (signature.getInputsCount() != 1) {
            throw new IllegalArgumentException("the signature " + SIGNATURE + " takes inputs "
                    + signature.getInputsMap().keySet() + "; it must take one, the x rows");
        }
        if (signature.getOutputsCount() == 0 || signature.getOutputsCount() > 1 && !signature.containsOutputs(OUTPUTS)) {
            throw new IllegalArgumentException("the signature " + SIGNATURE + " returns " + signature.getOutputsMap().keySet()
                    + "; it must return one output, or several of which one is named " + OUTPUTS);
        }
    }

    private static NamedTensor tensor(String name, Tensor value) {
        String dtype = DTYPES.get(value.dataType());
        if (dtype == null) {
            throw new IllegalArgumentException("the variable " + name + " has type " + value.dataType()
                    + "; supported: " + DTYPES.keySet());
        }
        byte[] bytes = new byte[Math.toIntExact(value.numBytes())];
        value.asRawTensor().data().read(bytes);
        return new NamedTensor(name, dtype, value.shape().asArray(), bytes);
    }
}
