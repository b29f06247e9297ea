package org.emergence.workloads.imported;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.ModuleGradients;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TorchScript module (torch.jit.save) as a workload, on DJL's PyTorch engine (PtSymbolBlock).
 *
 * <p>Convention: {@code forward(x)} returns the outputs, or a tuple {@code (outputs, Dict[str,
 * Tensor])} whose dict holds named hidden states [rows, ...] (docs/import.md). Its parameters are
 * its own, by their own names ({@code emb.weight}); buffers (batch-norm statistics) stay as the
 * archive has them. The module always runs in eval mode: dropout off, batch-norm on its running
 * statistics, so the loss is a deterministic function of the parameters, as the LLC needs.
 *
 * <p>{@link #forward} is a pure function of the parameters it is given: it writes them into the
 * module's own tensors first, without gradient. Autograd through those arguments is impossible
 * (the module holds its tensors), so gradients come from {@link #lossAndGradients}. An instance
 * holds one module and is not thread-safe: each request builds its own, as for every workload.
 */
public final class TorchScriptWorkload extends ImportedWorkload implements ModuleGradients {

    private final byte[] archive;
    private NDManager loadedIn;
    private PtSymbolBlock module;
    private Map<String, PtNDArray> ownParameters;

    /** A workload over {@code archive} and the data arrays (x_train, y_train, optional x_test, y_test). */
    public TorchScriptWorkload(ImportedModel model, byte[] archive, Map<String, NamedTensor> data) {
        super(model, data);
        this.archive = archive;
    }

    @Override
    public String name() {
        return "torchscript";
    }

    /** The module's own parameters, by name, as the archive holds them. */
    @Override
    public Parameters initialise(NDManager manager, long seed) {
        Parameters parameters = new Parameters();
        load(manager).forEach((name, value) -> {
            NDArray copy = value.duplicate();
            copy.attach(manager);
            parameters.put(name, copy);
        });
        return parameters;
    }

    @Override
    protected String format() {
        return "TorchScript model";
    }

    @Override
    public Evaluated lossAndGradients(Parameters parameters, Batch batch, List<String> names) {
        Map<String, PtNDArray> own = load(batch.inputs().getManager());
        write(parameters);
        own.forEach((name, value) -> value.setRequiresGradient(names.contains(name)));
        try {
            double loss;
            List<NDArray> gradients = new ArrayList<>();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                // Forward with autograd on (DJL's IValue forward runs without it); the module stays in eval mode.
                NDArray outputs = IValueUtils.forward(module, new NDList(batch.inputs()), true).get(0);
                NDArray value = loss(outputs, batch.targets());
                collector.backward(value);
                loss = value.toType(DataType.FLOAT64, false).getDouble();
                for (String name : names) {
                    PtNDArray gradient = own.get(name).getGradient();
                    // A copy: the module's .grad is zeroed for the next call.
                    gradients.add(gradient.duplicate());
                    JniUtils.zeroGrad(own.get(name));
                }
            }
            return new Evaluated(loss, gradients);
        } finally {
            own.values().forEach(value -> value.setRequiresGradient(false));
        }
    }

    @Override
    public Trace traceAll(Parameters parameters, NDArray inputs) {
        load(inputs.getManager());
        write(parameters);
        return run(inputs);
    }

    private Trace run(NDArray inputs) {
        PtNDManager manager = (PtNDManager) inputs.getManager();
        try (IValue input = IValue.from((PtNDArray) inputs); IValue output = module.forward(input)) {
            if (output.isTensor()) {
                return Trace.outputsOnly(output.toTensor(manager));
            }
            IValue[] parts = output.isTuple() ? output.toIValueTuple() : new IValue[0];
            if (parts.length != 2 || !parts[0].isTensor() || !parts[1].isMap()) {
                throw new IllegalArgumentException("the module's forward returns " + output.getType()
                        + "; it must return a Tensor or a Tuple[Tensor, Dict[str, Tensor]] (outputs, hidden states)");
            }
            Map<String, NDArray> hidden = new LinkedHashMap<>();
            parts[1].toIValueMap().forEach((name, value) -> {
                hidden.put(name, value.toTensor(manager));
                value.close();
            });
            NDArray outputs = parts[0].toTensor(manager);
            for (IValue part : parts) {
                part.close();
            }
            return new Trace(outputs, hidden, List.of());
        }
    }

    /** The module loaded into {@code manager} (again if an earlier manager has closed), in eval mode. */
    private Map<String, PtNDArray> load(NDManager manager) {
        if (module != null && loadedIn == manager && manager.isOpen()) {
            return ownParameters;
        }
        try {
            module = JniUtils.loadModule((PtNDManager) manager, new ByteArrayInputStream(archive), false, false);
        } catch (IOException e) {
            throw new IllegalArgumentException("the TorchScript archive cannot be read: " + e.getMessage(), e);
        }
        JniUtils.enableInferenceMode(module);
        loadedIn = manager;
        NDList own = JniUtils.moduleGetParams(module, (PtNDManager) manager);
        // Loaded inside an NDScope (an SGLD step), they must outlive it: the module owns them.
        NDScope.unregister(own);
        ownParameters = new LinkedHashMap<>();
        for (NDArray value : own) {
            value.setRequiresGradient(false);
            ownParameters.put(value.getName(), (PtNDArray) value);
        }
        return ownParameters;
    }

    /** Writes {@code parameters} into the module's tensors, outside any gradient graph. */
    private void write(Parameters parameters) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (Map.Entry<String, PtNDArray> own : ownParameters.entrySet()) {
                NDArray given = parameters.get(own.getKey());
                if (given != own.getValue()) {
                    own.getValue().set(new NDIndex("..."), given.stopGradient());
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}
