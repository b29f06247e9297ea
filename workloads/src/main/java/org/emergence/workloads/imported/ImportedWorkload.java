package org.emergence.workloads.imported;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every imported model shares whatever its format: the user's data, the task's loss and
 * accuracy, and the hidden states its forward pass returns by name (docs/import.md). A format
 * supplies {@link #traceAll}: the outputs and every hidden state, at the given parameters.
 */
public abstract class ImportedWorkload implements Workload {

    private final ImportedModel model;
    private final Map<String, NamedTensor> data;

    /** A workload over the data arrays (x_train, y_train, optional x_test, y_test). */
    protected ImportedWorkload(ImportedModel model, Map<String, NamedTensor> data) {
        this.model = model;
        this.data = Map.copyOf(data);
        for (String required : List.of(ImportedTensors.X_TRAIN, ImportedTensors.Y_TRAIN)) {
            if (!data.containsKey(required)) {
                throw new IllegalArgumentException("the data lacks " + required);
            }
        }
    }

    /** The model's outputs and every hidden state it returns, at {@code parameters}. */
    public abstract Trace traceAll(Parameters parameters, NDArray inputs);

    /** The format in words, for the report: "TorchScript model". */
    protected abstract String format();

    /** How the model runs, for the report: in eval mode (dropout off, batch-norm on running statistics). */
    protected String mode() {
        return "eval mode";
    }

    protected ImportedModel model() {
        return model;
    }

    @Override
    public NDArray forward(Parameters parameters, NDArray inputs) {
        return traceAll(parameters, inputs).outputs();
    }

    @Override
    public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        if (request.attention()) {
            throw new IllegalArgumentException("an imported " + format() + " gives no attention patterns");
        }
        for (String layer : request.hiddenLayers()) {
            if (!model.hiddenLayers().contains(layer)) {
                throw new IllegalArgumentException("the model returns no hidden state " + layer + " (it returns "
                        + model.hiddenLayers() + ")");
            }
        }
        Trace full = traceAll(parameters, inputs);
        Map<String, NDArray> kept = new LinkedHashMap<>();
        full.hidden().forEach((name, value) -> {
            if (request.hiddenLayers().contains(name)) {
                kept.put(name, value);
            }
        });
        return new Trace(full.outputs(), kept, List.of());
    }

    @Override
    public List<String> hiddenLayers() {
        return model.hiddenLayers();
    }

    @Override
    public NDArray loss(NDArray outputs, NDArray targets) {
        if (model.classification()) {
            NDArray logProbabilities = outputs.logSoftmax(-1);
            return logProbabilities.get(new NDIndex().addAllDim().addPickDim(targets.reshape(-1, 1))).mean().neg();
        }
        return outputs.sub(targets.reshape(outputs.getShape())).square().mean();
    }

    @Override
    public double accuracy(NDArray outputs, NDArray targets) {
        if (!model.classification()) {
            return Double.NaN;
        }
        long correct = outputs.argMax(-1).eq(targets).toType(DataType.INT64, false).sum().getLong();
        return correct / (double) targets.size();
    }

    @Override
    public DataSplit data(NDManager manager, long seed) {
        Batch train = batch(manager, ImportedTensors.X_TRAIN, ImportedTensors.Y_TRAIN);
        Batch test = data.containsKey(ImportedTensors.X_TEST)
                ? batch(manager, ImportedTensors.X_TEST, ImportedTensors.Y_TEST) : train;
        return new DataSplit(train, test);
    }

    @Override
    public boolean classification() {
        return model.classification();
    }

    @Override
    public WorkloadReport report() {
        return WorkloadReport.of("imported " + format() + " " + model.source() + " ("
                + (model.classification() ? "classification" : "regression") + ", " + mode() + ")", model.classification());
    }

    private Batch batch(NDManager manager, String x, String y) {
        NDArray inputs = NamedTensors.toNDArray(manager, data.get(x));
        NDArray targets = NamedTensors.toNDArray(manager, data.get(y));
        return new Batch(inputs, targets);
    }
}
