package org.emergence.workloads.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Initialisers;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.PatchGrid;
import org.emergence.workloads.Scalars;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A small vision transformer from scratch (Toledo and Martinez 2026, docs/science.md section 1.8):
 * non-overlapping P x P patches embedded linearly, a class token first, learned positions, pre-LN
 * blocks (multi-head self-attention, then a GELU MLP of width 2D), a final LayerNorm and a linear
 * head on the class token. Inputs [n, C, H, W] in [0, 1]; targets soft labels [n, classes] (one-hot
 * on the held-out set; mixed by CutMix and smoothed during training), loss the cross-entropy
 * against them, accuracy the arg-max of the outputs against that of the targets.
 *
 * <p>Initialisation (ours): weights N(0, 0.02^2) as in ViT implementations, biases zero,
 * LayerNorm gains one. Every layer's attention is traced, and the probe measures it on the patch grid.
 */
public final class VisionLocality implements Workload {

    public static final String NAME = "vision-locality";
    private static final float LAYER_NORM_EPSILON = 1e-5f;
    private static final double INIT_STD = 0.02;

    private final VisionLocalityConfig config;

    public VisionLocality(VisionLocalityConfig config) {
        this.config = config;
    }

    public VisionLocalityConfig config() {
        return config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WorkloadReport report() {
        List<String> protocol = new ArrayList<>();
        if (config.jitter()) {
            protocol.add("jitter");
        }
        if (config.policy()) {
            protocol.add("policy");
        }
        if (config.cutmixProbability() > 0) {
            protocol.add(String.format(Locale.ROOT, "CutMix p %s alpha %s", config.cutmixProbability(), config.cutmixAlpha()));
        }
        if (config.labelSmoothing() > 0) {
            protocol.add("label smoothing " + config.labelSmoothing());
        }
        return WorkloadReport.of(String.format(Locale.ROOT, "ViT on %s, patch %d, %d layers of %d heads, %s",
                config.dataset().name().toLowerCase(Locale.ROOT), config.patch(), config.layers(), config.heads(),
                protocol.isEmpty() ? "no augmentation" : String.join(", ", protocol)), true);
    }

    @Override
    public Parameters initialise(NDManager manager, long seed) {
        Initialisers init = new Initialisers(manager, seed);
        int d = config.dim();
        int patchInput = config.channels() * config.patch() * config.patch();
        Parameters parameters = new Parameters()
                .put("patch.W", init.normal(INIT_STD, patchInput, d))
                .put("patch.b", manager.zeros(new Shape(d)))
                .put("cls", init.normal(INIT_STD, d))
                .put("pos", init.normal(INIT_STD, config.tokens(), d));
        for (int l = 0; l < config.layers(); l++) {
            String b = "block" + l + ".";
            parameters.put(b + "ln1.g", manager.ones(new Shape(d))).put(b + "ln1.b", manager.zeros(new Shape(d)))
                    .put(b + "attn.Wqkv", init.normal(INIT_STD, d, 3L * d)).put(b + "attn.bqkv", manager.zeros(new Shape(3L * d)))
                    .put(b + "attn.Wo", init.normal(INIT_STD, d, d)).put(b + "attn.bo", manager.zeros(new Shape(d)))
                    .put(b + "ln2.g", manager.ones(new Shape(d))).put(b + "ln2.b", manager.zeros(new Shape(d)))
                    .put(b + "mlp.W1", init.normal(INIT_STD, d, (long) VisionLocalityConfig.MLP_RATIO * d))
                    .put(b + "mlp.b1", manager.zeros(new Shape((long) VisionLocalityConfig.MLP_RATIO * d)))
                    .put(b + "mlp.W2", init.normal(INIT_STD, (long) VisionLocalityConfig.MLP_RATIO * d, d))
                    .put(b + "mlp.b2", manager.zeros(new Shape(d)));
        }
        return parameters.put("ln.g", manager.ones(new Shape(d))).put("ln.b", manager.zeros(new Shape(d)))
                .put("head.W", init.normal(INIT_STD, d, config.classes()))
                .put("head.b", manager.zeros(new Shape(config.classes())));
    }

    @Override
    public NDArray forward(Parameters parameters, NDArray inputs) {
        return trace(parameters, inputs, TraceRequest.OUTPUTS).outputs();
    }

    @Override
    public int attentionLayers() {
        return config.layers();
    }

    @Override
    public Optional<PatchGrid> patchGrid() {
        return Optional.of(new PatchGrid(config.grid(), config.grid(), 0));
    }

    @Override
    public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        if (!request.hiddenLayers().isEmpty()) {
            throw new IllegalArgumentException(NAME + " keeps no hidden layers, only its attention; asked for " + request);
        }
        long n = inputs.getShape().get(0);
        int d = config.dim();
        NDArray x = NDArrays.concat(new NDList(
                parameters.get("cls").reshape(1, 1, d).broadcast(new Shape(n, 1, d)),
                patches(inputs).matMul(parameters.get("patch.W")).add(parameters.get("patch.b"))), 1)
                .add(parameters.get("pos"));
        List<NDArray> patterns = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            String b = "block" + l + ".";
            NDArray[] attended = attention(parameters, b, layerNorm(x, parameters.get(b + "ln1.g"), parameters.get(b + "ln1.b")));
            if (request.attention()) {
                patterns.add(attended[1]);
            }
            x = x.add(attended[0]);
            NDArray h = layerNorm(x, parameters.get(b + "ln2.g"), parameters.get(b + "ln2.b"));
            NDArray mlp = Activation.gelu(h.matMul(parameters.get(b + "mlp.W1")).add(parameters.get(b + "mlp.b1")))
                    .matMul(parameters.get(b + "mlp.W2")).add(parameters.get(b + "mlp.b2"));
            x = x.add(mlp);
        }
        NDArray cls = layerNorm(x.get(":, 0, :"), parameters.get("ln.g"), parameters.get("ln.b"));
        return new Trace(cls.matMul(parameters.get("head.W")).add(parameters.get("head.b")), Map.of(), patterns);
    }

    /** Images [n, C, H, W] as patch rows [n, patches, C P P], patches row-major over the grid. */
    NDArray patches(NDArray images) {
        long n = images.getShape().get(0);
        int c = config.channels();
        int p = config.patch();
        int g = config.grid();
        return images.reshape(n, c, g, p, g, p).transpose(0, 2, 4, 1, 3, 5).reshape(n, (long) g * g, (long) c * p * p);
    }

    /** {output [n, T, D], pattern [n, heads, T, T]}. */
    private NDArray[] attention(Parameters parameters, String block, NDArray x) {
        long n = x.getShape().get(0);
        long t = x.getShape().get(1);
        int heads = config.heads();
        int dHead = config.dim() / heads;
        NDArray qkv = x.matMul(parameters.get(block + "attn.Wqkv")).add(parameters.get(block + "attn.bqkv"))
                .reshape(n, t, 3, heads, dHead).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0);
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        NDArray pattern = Scalars.dividedBy(q.matMul(k.transpose(0, 1, 3, 2)), Math.sqrt(dHead)).softmax(-1);
        NDArray mixed = pattern.matMul(v).transpose(0, 2, 1, 3).reshape(n, t, config.dim());
        return new NDArray[] {mixed.matMul(parameters.get(block + "attn.Wo")).add(parameters.get(block + "attn.bo")), pattern};
    }

    private static NDArray layerNorm(NDArray x, NDArray gain, NDArray bias) {
        NDArray mean = x.mean(new int[] {-1}, true);
        NDArray centred = x.sub(mean);
        NDArray variance = centred.square().mean(new int[] {-1}, true);
        return centred.div(variance.add(LAYER_NORM_EPSILON).sqrt()).mul(gain).add(bias);
    }

    @Override
    public NDArray loss(NDArray outputs, NDArray targets) {
        return outputs.logSoftmax(-1).mul(targets).sum(new int[] {-1}).mean().neg();
    }

    @Override
    public double accuracy(NDArray outputs, NDArray targets) {
        return outputs.argMax(-1).eq(targets.argMax(-1)).toType(DataType.INT64, false).sum().getLong()
                / (double) outputs.getShape().get(0);
    }

    @Override
    public boolean classification() {
        return true;
    }

    /** Jitter, policy, CutMix (with its probability per batch) and label smoothing, as switched on. */
    @Override
    public Batch augment(Batch batch, SplittableRandom random) {
        boolean cutMix = config.cutmixProbability() > 0 && random.nextDouble() < config.cutmixProbability();
        if (!config.jitter() && !config.policy() && !cutMix && config.labelSmoothing() == 0) {
            return batch;
        }
        int n = Math.toIntExact(batch.size());
        int c = config.channels();
        int side = config.side();
        float[] pixels = batch.inputs().toFloatArray();
        float[] targets = batch.targets().toFloatArray();
        if (config.jitter()) {
            Augmentation.jitter(pixels, n, c * side * side, random);
        }
        if (config.policy()) {
            Augmentation.policy(pixels, n, c, side, side, random);
        }
        if (cutMix) {
            Augmentation.cutMix(pixels, targets, n, c, side, side, config.classes(), config.cutmixAlpha(), random);
        }
        if (config.labelSmoothing() > 0) {
            Augmentation.smooth(targets, config.classes(), config.labelSmoothing());
        }
        NDManager manager = batch.inputs().getManager();
        return new Batch(manager.create(pixels, batch.inputs().getShape()), manager.create(targets, batch.targets().getShape()));
    }

    /** The configured images: synthetic ones from the seed, or the first images of a dataset's splits. */
    @Override
    public DataSplit data(NDManager manager, long seed) {
        Images train;
        Images test;
        try {
            switch (config.dataset()) {
                case SYNTHETIC -> {
                    train = SyntheticImages.generate(config.trainSamples(), VisionLocalityConfig.SYNTHETIC_SIDE, seed);
                    test = SyntheticImages.generate(config.testSamples(), VisionLocalityConfig.SYNTHETIC_SIDE, ~seed);
                }
                case FASHION_MNIST -> {
                    Path folder = config.dataDir().isEmpty() ? IdxReader.FASHION_MNIST : Path.of(config.dataDir());
                    train = IdxReader.read(folder, true, config.trainSamples());
                    test = IdxReader.read(folder, false, config.testSamples());
                }
                default -> {
                    Path folder = Path.of(config.dataDir());
                    train = CifarReader.read(folder, config.classes(), true, config.trainSamples());
                    test = CifarReader.read(folder, config.classes(), false, config.testSamples());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + config.dataset() + " images: " + e.getMessage(), e);
        }
        return new DataSplit(batch(manager, train), batch(manager, test));
    }

    private Batch batch(NDManager manager, Images images) {
        float[] targets = new float[images.count() * images.classes()];
        for (int i = 0; i < images.count(); i++) {
            targets[i * images.classes() + images.labels()[i]] = 1;
        }
        return new Batch(manager.create(images.pixels(), new Shape(images.count(), images.channels(), images.height(), images.width())),
                manager.create(targets, new Shape(images.count(), images.classes())));
    }
}
