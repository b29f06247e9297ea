package org.emergence.service;

import ai.djl.ndarray.types.DataType;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CheckpointSchedule.ScheduleCase;
import org.emergence.proto.v1.AttentionPhasesConfig;
import org.emergence.proto.v1.AttentionPhasesInitialisation;
import org.emergence.proto.v1.DeepLinearConfig;
import org.emergence.proto.v1.IclRegressionConfig;
import org.emergence.proto.v1.InductionConfig;
import org.emergence.proto.v1.LewisGameConfig;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.Optimizer;
import org.emergence.proto.v1.OptimizerConfig;
import org.emergence.proto.v1.ReducedRankRegressionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.SparseParityConfig;
import org.emergence.proto.v1.SuperpositionConfig;
import org.emergence.proto.v1.SuperpositionInputs;
import org.emergence.proto.v1.TrainingDevice;
import org.emergence.proto.v1.VisionDataset;
import org.emergence.proto.v1.VisionLocalityConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.workloads.ConfigFieldException;
import org.emergence.workloads.icl.IclRegression;
import org.emergence.workloads.induction.Induction;
import org.emergence.workloads.lewis.LewisGame;
import org.emergence.workloads.linear.DeepLinearWorkload;
import org.emergence.workloads.modular.ModularAddition;
import org.emergence.workloads.phases.AttentionPhases;
import org.emergence.workloads.vision.VisionLocality;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadSize;
import org.emergence.workloads.modular.Variant;
import org.emergence.workloads.parity.SparseParity;
import org.emergence.workloads.superposition.FeatureInputs;
import org.emergence.workloads.superposition.Superposition;
import org.emergence.workloads.training.CheckpointSchedule;
import org.emergence.workloads.training.ComputeDevice;
import org.emergence.workloads.training.OptimizerKind;
import org.emergence.workloads.training.TrainingConfig;

import java.util.function.Supplier;

/**
 * From the contract's {@link RunConfig} to the things that train: defaults filled in once, here,
 * so the trainer, the metrics service and every report see the same resolved config; and every
 * rejection names the request field at fault.
 */
public final class RunConfigs {

    private static final int DEFAULT_MODULUS = 113;
    private static final double DEFAULT_TRAIN_FRACTION = 0.3;
    private static final int DEFAULT_SAMPLES = 10_000;
    private static final int DEFAULT_PER_DECADE = 20;
    private static final int DEFAULT_EVAL_EVERY = 50;

    private RunConfigs() {
    }

    /** The config with every zero field replaced by its default, validated against the default limits. */
    public static RunConfig resolve(RunConfig config) {
        return resolve(config, RunLimits.DEFAULTS);
    }

    /**
     * The config with every zero field replaced by its default, validated, and its size (steps,
     * schedule length, parameters, data, activations) checked against {@code limits} before
     * anything is allocated.
     */
    public static RunConfig resolve(RunConfig config, RunLimits limits) {
        if (!config.hasWorkload() || config.getWorkload().getWorkloadCase() == WorkloadSpec.WorkloadCase.WORKLOAD_NOT_SET) {
            throw RequestException.invalid("config.workload", "config.workload is required: modular_addition, deep_linear, "
                    + "reduced_rank_regression, sparse_parity, superposition, icl_regression, induction, attention_phases, lewis_game or vision_locality");
        }
        if (config.getSteps() <= 0) {
            throw RequestException.invalid("config.steps", "config.steps must be positive, got " + config.getSteps());
        }
        if (config.getBatchSize() < 0) {
            throw RequestException.invalid("config.batch_size", "config.batch_size must not be negative, got " + config.getBatchSize());
        }
        if (config.getEvalEvery() < 0) {
            throw RequestException.invalid("config.eval_every", "config.eval_every must not be negative, got " + config.getEvalEvery());
        }
        if (config.getDevice() == TrainingDevice.UNRECOGNIZED) {
            throw RequestException.invalid("config.device", "config.device must be auto, cpu or cuda, got "
                    + config.getDeviceValue());
        }
        RunConfig.Builder resolved = config.toBuilder()
                .setWorkload(resolveWorkload(config.getWorkload()))
                .setOptimizer(resolveOptimizer(config.getOptimizer()))
                .setEvalEvery(config.getEvalEvery() == 0 ? DEFAULT_EVAL_EVERY : config.getEvalEvery())
                .setDevice(config.getDevice() == TrainingDevice.TRAINING_DEVICE_UNSPECIFIED
                        ? TrainingDevice.TRAINING_DEVICE_AUTO : config.getDevice());
        if (config.getCheckpoints().getScheduleCase() == ScheduleCase.SCHEDULE_NOT_SET) {
            resolved.getCheckpointsBuilder().setPerDecade(DEFAULT_PER_DECADE);
        }
        RunConfig result = resolved.build();
        RunLimits.check(result.getSteps(), limits.maxSteps(), "config.steps", "steps", "trainer.max-steps");
        var checkpoints = result.getCheckpoints();
        RunLimits.check(named("config.checkpoints", () -> checkpoints.getScheduleCase() == ScheduleCase.EVERY_STEPS
                        ? CheckpointSchedule.everyLength(checkpoints.getEverySteps(), result.getSteps())
                        : CheckpointSchedule.logSpacedLength(checkpoints.getPerDecade(), result.getSteps())),
                limits.maxCheckpoints(), "config.checkpoints", "the schedule's length", "trainer.max-checkpoints");
        // Building the parts validates the rest (ranges, shapes) with the field named; the
        // workload's size is checked from its config before the workload is built.
        Planned planned = plan(result);
        WorkloadSize size = planned.size();
        RunLimits.check(size.parameters(), limits.maxParameters(), planned.field(), "the parameter count",
                "trainer.max-parameters");
        RunLimits.check(size.dataRows(), limits.maxDataRows(), planned.field(), "the data rows (train and test)",
                "trainer.max-data-rows");
        RunLimits.check(size.activations(size.dataRows()), limits.maxActivations(), planned.field(),
                "the activations of a full-batch pass", "trainer.max-activations");
        planned.build().get();
        training(result);
        schedule(result);
        return result;
    }

    /** The workload a resolved config describes. */
    public static Workload workload(RunConfig resolved) {
        return plan(resolved).build().get();
    }

    /** A workload's validated config: its size, known at once, and how to build it (which may allocate). */
    private record Planned(String field, WorkloadSize size, Supplier<Workload> build) {
    }

    private static Planned plan(RunConfig resolved) {
        WorkloadSpec spec = resolved.getWorkload();
        return switch (spec.getWorkloadCase()) {
            case MODULAR_ADDITION -> {
                ModularAdditionConfig c = spec.getModularAddition();
                String field = "config.workload.modular_addition";
                var config = named(field, () -> new org.emergence.workloads.modular.ModularAdditionConfig(
                        c.getModulus(), c.getTrainFraction(),
                        c.getVariant() == ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER
                                ? Variant.TRANSFORMER : Variant.MLP,
                        c.getEmbeddingDim(), c.getHeads(), c.getHiddenDim()));
                yield new Planned(field, config.size(), () -> named(field, () -> ModularAddition.of(config)));
            }
            case DEEP_LINEAR -> {
                DeepLinearConfig c = spec.getDeepLinear();
                String field = "config.workload.deep_linear";
                var config = named(field, () -> new org.emergence.workloads.linear.DeepLinearConfig("deep-linear",
                        c.getWidthsList().stream().mapToInt(Integer::intValue).toArray(), c.getRank(),
                        c.getNoise(), c.getSamples(), c.getSamples(), resolved.getSeed(), DataType.FLOAT32));
                yield new Planned(field, config.size(), () -> named(field, () -> new DeepLinearWorkload(config)));
            }
            case REDUCED_RANK_REGRESSION -> {
                ReducedRankRegressionConfig c = spec.getReducedRankRegression();
                String field = "config.workload.reduced_rank_regression";
                var config = named(field, () -> org.emergence.workloads.linear.DeepLinearConfig.reducedRankRegression(
                        c.getInputDim(), c.getHiddenDim(), c.getOutputDim(), c.getTrueRank(), c.getSamples(),
                        DataType.FLOAT32).withNoise(c.getNoise()));
                yield new Planned(field, config.size(), () -> named(field, () -> new DeepLinearWorkload(config)));
            }
            case SPARSE_PARITY -> {
                SparseParityConfig c = spec.getSparseParity();
                String field = "config.workload.sparse_parity";
                var config = named(field, () -> new org.emergence.workloads.parity.SparseParityConfig(c.getNTasks(),
                        c.getDataBits(), c.getK(), c.getAlpha(), c.getHiddenDim(), c.getTrainSamples(),
                        c.getTestSamplesPerTask()));
                yield new Planned(field, config.size(), () -> new SparseParity(config));
            }
            case SUPERPOSITION -> {
                SuperpositionConfig c = spec.getSuperposition();
                String field = "config.workload.superposition";
                FeatureInputs inputs = switch (c.getInputs()) {
                    case SUPERPOSITION_INPUTS_ONE_HOT -> FeatureInputs.ONE_HOT;
                    case SUPERPOSITION_INPUTS_INDEPENDENT -> FeatureInputs.INDEPENDENT;
                    default -> throw RequestException.invalid(field + ".inputs", field + ".inputs must be one-hot "
                            + "or independent, got " + c.getInputs());
                };
                var config = named(field, () -> new org.emergence.workloads.superposition.SuperpositionConfig(
                        c.getFeatures(), c.getHiddenDim(), inputs, c.hasSparsity() ? c.getSparsity() : Double.NaN,
                        c.getTrainSamples(), c.getTestSamples()));
                yield new Planned(field, config.size(), () -> new Superposition(config));
            }
            case ICL_REGRESSION -> {
                IclRegressionConfig c = spec.getIclRegression();
                String field = "config.workload.icl_regression";
                var config = named(field, () -> new org.emergence.workloads.icl.IclRegressionConfig(c.getDimension(),
                        c.getPairs(), c.getNoiseVariance(), c.getTasks(), c.getTrainSequences(), c.getTestSequences(),
                        c.getDModel(), c.getLayers(), c.getHeads(), c.getDMlp(), resolved.getSeed()));
                yield new Planned(field, config.size(), () -> new IclRegression(config));
            }
            case INDUCTION -> {
                InductionConfig c = spec.getInduction();
                String field = "config.workload.induction";
                var config = named(field, () -> new org.emergence.workloads.induction.InductionConfig(c.getClasses(),
                        c.getLabels(), c.getContext(), c.getDimension(), c.getBurstiness(), c.getBurstyFraction(),
                        c.getWithinClassNoise(), c.getTrainSequences(), c.getTestSequences(), c.getDModel(),
                        c.getHeads(), resolved.getSeed()));
                yield new Planned(field, config.size(), () -> new Induction(config));
            }
            case ATTENTION_PHASES -> {
                AttentionPhasesConfig c = spec.getAttentionPhases();
                String field = "config.workload.attention_phases";
                var initialisation = switch (c.getInitialisation()) {
                    case ATTENTION_PHASES_INITIALISATION_RANDOM -> org.emergence.workloads.phases.AttentionPhasesConfig.Initialisation.RANDOM;
                    case ATTENTION_PHASES_INITIALISATION_POSITIONAL -> org.emergence.workloads.phases.AttentionPhasesConfig.Initialisation.POSITIONAL;
                    case ATTENTION_PHASES_INITIALISATION_SEMANTIC -> org.emergence.workloads.phases.AttentionPhasesConfig.Initialisation.SEMANTIC;
                    default -> throw RequestException.invalid(field + ".initialisation", field
                            + ".initialisation must be random, positional or semantic, got " + c.getInitialisation());
                };
                var config = named(field, () -> new org.emergence.workloads.phases.AttentionPhasesConfig(c.getDimension(),
                        c.getSampleRatio(), c.getOmega(), c.getTokenStd(), c.getTestSamples(), initialisation,
                        resolved.getSeed()));
                yield new Planned(field, config.size(), () -> new AttentionPhases(config));
            }
            case LEWIS_GAME -> {
                LewisGameConfig c = spec.getLewisGame();
                String field = "config.workload.lewis_game";
                var config = named(field, () -> new org.emergence.workloads.lewis.LewisGameConfig(c.getAttributes(),
                        c.getValues(), c.getMessageLength(), c.getVocabulary(), c.getHiddenDim(), c.getHeldOutFraction(),
                        c.getReceiverResetEvery()));
                yield new Planned(field, config.size(), () -> new LewisGame(config));
            }
            case VISION_LOCALITY -> {
                VisionLocalityConfig c = spec.getVisionLocality();
                String field = "config.workload.vision_locality";
                var dataset = switch (c.getDataset()) {
                    case VISION_DATASET_SYNTHETIC -> org.emergence.workloads.vision.VisionLocalityConfig.Dataset.SYNTHETIC;
                    case VISION_DATASET_FASHION_MNIST -> org.emergence.workloads.vision.VisionLocalityConfig.Dataset.FASHION_MNIST;
                    case VISION_DATASET_CIFAR10 -> org.emergence.workloads.vision.VisionLocalityConfig.Dataset.CIFAR10;
                    case VISION_DATASET_CIFAR100 -> org.emergence.workloads.vision.VisionLocalityConfig.Dataset.CIFAR100;
                    default -> throw RequestException.invalid(field + ".dataset", field + ".dataset must be synthetic, "
                            + "fashion-mnist, cifar10 or cifar100, got " + c.getDataset());
                };
                var config = named(field, () -> new org.emergence.workloads.vision.VisionLocalityConfig(dataset, c.getDataDir(),
                        c.getTrainSamples(), c.getTestSamples(), c.getPatch(), c.getDim(), c.getLayers(), c.getHeads(),
                        c.getJitter(), c.getAugmentPolicy(), c.getCutmixAlpha(), c.getCutmixProbability(), c.getLabelSmoothing()));
                yield new Planned(field, config.size(), () -> new VisionLocality(config));
            }
            // An imported model is built from its checkpoint (CheckpointModels), never from a config alone.
            case IMPORTED -> throw RequestException.invalid("config.workload.imported",
                    "config.workload.imported is set by ImportRun only; training an imported model is not supported");
            case WORKLOAD_NOT_SET -> throw RequestException.invalid("config.workload", "config.workload is required");
        };
    }

    public static TrainingConfig training(RunConfig resolved) {
        OptimizerConfig o = resolved.getOptimizer();
        OptimizerKind kind = switch (o.getOptimizer()) {
            case OPTIMIZER_ADAM -> OptimizerKind.ADAM;
            case OPTIMIZER_SGD -> OptimizerKind.SGD;
            default -> OptimizerKind.ADAMW;
        };
        if (!(o.getGradientClipNorm() >= 0) || Double.isInfinite(o.getGradientClipNorm())) {
            throw RequestException.invalid("config.optimizer.gradient_clip_norm", "config.optimizer.gradient_clip_norm "
                    + "must be a finite number at least 0, got " + o.getGradientClipNorm());
        }
        return named("config", () -> new TrainingConfig(kind, o.getLearningRate(), o.getWeightDecay(), o.getBeta1(),
                o.getBeta2(), o.getWarmupSteps(), resolved.getSteps(), resolved.getBatchSize(), resolved.getSeed(),
                (int) Math.min(Integer.MAX_VALUE, resolved.getEvalEvery()), o.getGradientClipNorm()));
    }

    /** The device the config asks for (a record saved before the field existed asks for auto). */
    public static ComputeDevice device(RunConfig resolved) {
        return switch (resolved.getDevice()) {
            case TRAINING_DEVICE_CPU -> ComputeDevice.CPU;
            case TRAINING_DEVICE_CUDA -> ComputeDevice.CUDA;
            default -> ComputeDevice.AUTO;
        };
    }

    public static CheckpointSchedule schedule(RunConfig resolved) {
        var checkpoints = resolved.getCheckpoints();
        return named("config.checkpoints", () -> checkpoints.getScheduleCase() == ScheduleCase.EVERY_STEPS
                ? CheckpointSchedule.every(checkpoints.getEverySteps(), resolved.getSteps())
                : CheckpointSchedule.logSpaced(checkpoints.getPerDecade(), resolved.getSteps()));
    }

    private static WorkloadSpec resolveWorkload(WorkloadSpec spec) {
        WorkloadSpec.Builder out = spec.toBuilder();
        switch (spec.getWorkloadCase()) {
            case MODULAR_ADDITION -> {
                ModularAdditionConfig.Builder c = out.getModularAdditionBuilder();
                if (c.getModulus() == 0) c.setModulus(DEFAULT_MODULUS);
                if (c.getTrainFraction() == 0) c.setTrainFraction(DEFAULT_TRAIN_FRACTION);
                if (c.getVariant() == ModularAdditionVariant.MODULAR_ADDITION_VARIANT_UNSPECIFIED) {
                    c.setVariant(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP);
                }
                if (c.getEmbeddingDim() == 0) c.setEmbeddingDim(org.emergence.workloads.modular.ModularAdditionConfig.DEFAULT_D_MODEL);
                if (c.getHiddenDim() == 0) c.setHiddenDim(org.emergence.workloads.modular.ModularAdditionConfig.DEFAULT_D_MLP);
                if (c.getHeads() == 0) c.setHeads(org.emergence.workloads.modular.ModularAdditionConfig.DEFAULT_HEADS);
            }
            case DEEP_LINEAR -> {
                DeepLinearConfig.Builder c = out.getDeepLinearBuilder();
                if (c.getSamples() == 0) c.setSamples(DEFAULT_SAMPLES);
            }
            case REDUCED_RANK_REGRESSION -> {
                ReducedRankRegressionConfig.Builder c = out.getReducedRankRegressionBuilder();
                if (c.getSamples() == 0) c.setSamples(DEFAULT_SAMPLES);
            }
            case SPARSE_PARITY -> {
                SparseParityConfig.Builder c = out.getSparseParityBuilder();
                if (c.getNTasks() == 0) c.setNTasks(org.emergence.workloads.parity.SparseParityConfig.DEFAULT_TASKS);
                if (c.getDataBits() == 0) c.setDataBits(org.emergence.workloads.parity.SparseParityConfig.DEFAULT_DATA_BITS);
                if (c.getK() == 0) c.setK(org.emergence.workloads.parity.SparseParityConfig.DEFAULT_K);
                if (!c.hasAlpha()) c.setAlpha(org.emergence.workloads.parity.SparseParityConfig.DEFAULT_ALPHA);
                if (c.getHiddenDim() == 0) c.setHiddenDim(org.emergence.workloads.parity.SparseParityConfig.DEFAULT_HIDDEN);
                if (c.getTrainSamples() == 0) c.setTrainSamples(org.emergence.workloads.parity.SparseParityConfig.DEFAULT_TRAIN_SAMPLES);
                if (c.getTestSamplesPerTask() == 0) {
                    c.setTestSamplesPerTask(org.emergence.workloads.parity.SparseParityConfig.DEFAULT_TEST_SAMPLES_PER_TASK);
                }
            }
            case SUPERPOSITION -> {
                SuperpositionConfig.Builder c = out.getSuperpositionBuilder();
                if (c.getFeatures() == 0) c.setFeatures(org.emergence.workloads.superposition.SuperpositionConfig.DEFAULT_FEATURES);
                if (c.getHiddenDim() == 0) c.setHiddenDim(org.emergence.workloads.superposition.SuperpositionConfig.DEFAULT_HIDDEN);
                if (c.getInputs() == SuperpositionInputs.SUPERPOSITION_INPUTS_UNSPECIFIED) {
                    c.setInputs(SuperpositionInputs.SUPERPOSITION_INPUTS_ONE_HOT);
                }
                // Sparsity belongs to independent inputs only: one-hot leaves it unset (and rejects it if set).
                if (c.getInputs() == SuperpositionInputs.SUPERPOSITION_INPUTS_INDEPENDENT && !c.hasSparsity()) {
                    c.setSparsity(org.emergence.workloads.superposition.SuperpositionConfig.DEFAULT_SPARSITY);
                }
                if (c.getTrainSamples() == 0) {
                    c.setTrainSamples(org.emergence.workloads.superposition.SuperpositionConfig.DEFAULT_TRAIN_SAMPLES);
                }
                if (c.getTestSamples() == 0) {
                    c.setTestSamples(org.emergence.workloads.superposition.SuperpositionConfig.DEFAULT_TEST_SAMPLES);
                }
            }
            case ICL_REGRESSION -> {
                IclRegressionConfig.Builder c = out.getIclRegressionBuilder();
                if (c.getFreshTasks() && c.getTasks() != 0) {
                    throw RequestException.invalid("config.workload.icl_regression.tasks",
                            "config.workload.icl_regression.tasks must be 0 with fresh_tasks, got " + c.getTasks());
                }
                if (c.getDimension() == 0) c.setDimension(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_DIMENSION);
                if (c.getPairs() == 0) c.setPairs(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_PAIRS);
                if (c.getNoiseVariance() == 0) c.setNoiseVariance(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_NOISE_VARIANCE);
                if (c.getTasks() == 0 && !c.getFreshTasks()) c.setTasks(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_TASKS);
                if (c.getTrainSequences() == 0) c.setTrainSequences(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_TRAIN_SEQUENCES);
                if (c.getTestSequences() == 0) c.setTestSequences(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_TEST_SEQUENCES);
                if (c.getDModel() == 0) c.setDModel(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_D_MODEL);
                if (c.getLayers() == 0) c.setLayers(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_LAYERS);
                if (c.getHeads() == 0) c.setHeads(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_HEADS);
                if (c.getDMlp() == 0) c.setDMlp(org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_D_MLP);
            }
            case INDUCTION -> {
                InductionConfig.Builder c = out.getInductionBuilder();
                if (c.getClasses() == 0) c.setClasses(org.emergence.workloads.induction.InductionConfig.DEFAULT_CLASSES);
                if (c.getLabels() == 0) c.setLabels(org.emergence.workloads.induction.InductionConfig.DEFAULT_LABELS);
                if (c.getContext() == 0) c.setContext(org.emergence.workloads.induction.InductionConfig.DEFAULT_CONTEXT);
                if (c.getDimension() == 0) c.setDimension(org.emergence.workloads.induction.InductionConfig.DEFAULT_DIMENSION);
                if (c.getBurstiness() == 0) c.setBurstiness(org.emergence.workloads.induction.InductionConfig.DEFAULT_BURSTINESS);
                if (!c.hasBurstyFraction()) c.setBurstyFraction(org.emergence.workloads.induction.InductionConfig.DEFAULT_BURSTY_FRACTION);
                if (!c.hasWithinClassNoise()) c.setWithinClassNoise(org.emergence.workloads.induction.InductionConfig.DEFAULT_WITHIN_CLASS_NOISE);
                if (c.getTrainSequences() == 0) c.setTrainSequences(org.emergence.workloads.induction.InductionConfig.DEFAULT_TRAIN_SEQUENCES);
                if (c.getTestSequences() == 0) c.setTestSequences(org.emergence.workloads.induction.InductionConfig.DEFAULT_TEST_SEQUENCES);
                if (c.getDModel() == 0) c.setDModel(org.emergence.workloads.induction.InductionConfig.DEFAULT_D_MODEL);
                if (c.getHeads() == 0) c.setHeads(org.emergence.workloads.induction.InductionConfig.DEFAULT_HEADS);
            }
            case ATTENTION_PHASES -> {
                AttentionPhasesConfig.Builder c = out.getAttentionPhasesBuilder();
                if (c.getDimension() == 0) c.setDimension(org.emergence.workloads.phases.AttentionPhasesConfig.DEFAULT_DIMENSION);
                if (c.getSampleRatio() == 0) c.setSampleRatio(org.emergence.workloads.phases.AttentionPhasesConfig.DEFAULT_SAMPLE_RATIO);
                if (!c.hasOmega()) c.setOmega(org.emergence.workloads.phases.AttentionPhasesConfig.DEFAULT_OMEGA);
                if (c.getTokenStd() == 0) c.setTokenStd(org.emergence.workloads.phases.AttentionPhasesConfig.DEFAULT_TOKEN_STD);
                if (c.getTestSamples() == 0) c.setTestSamples(org.emergence.workloads.phases.AttentionPhasesConfig.DEFAULT_TEST_SAMPLES);
                if (c.getInitialisation() == AttentionPhasesInitialisation.ATTENTION_PHASES_INITIALISATION_UNSPECIFIED) {
                    c.setInitialisation(AttentionPhasesInitialisation.ATTENTION_PHASES_INITIALISATION_RANDOM);
                }
            }
            case LEWIS_GAME -> {
                LewisGameConfig.Builder c = out.getLewisGameBuilder();
                if (c.getAttributes() == 0) c.setAttributes(org.emergence.workloads.lewis.LewisGameConfig.DEFAULT_ATTRIBUTES);
                if (c.getValues() == 0) c.setValues(org.emergence.workloads.lewis.LewisGameConfig.DEFAULT_VALUES);
                if (c.getMessageLength() == 0) c.setMessageLength(org.emergence.workloads.lewis.LewisGameConfig.DEFAULT_MESSAGE_LENGTH);
                if (c.getVocabulary() == 0) c.setVocabulary(org.emergence.workloads.lewis.LewisGameConfig.DEFAULT_VOCABULARY);
                if (c.getHiddenDim() == 0) c.setHiddenDim(org.emergence.workloads.lewis.LewisGameConfig.DEFAULT_HIDDEN);
                if (c.getHeldOutFraction() == 0) {
                    c.setHeldOutFraction(org.emergence.workloads.lewis.LewisGameConfig.DEFAULT_HELD_OUT_FRACTION);
                }
            }
            case VISION_LOCALITY -> {
                VisionLocalityConfig.Builder c = out.getVisionLocalityBuilder();
                if (c.getDataset() == VisionDataset.VISION_DATASET_UNSPECIFIED) c.setDataset(VisionDataset.VISION_DATASET_FASHION_MNIST);
                if (c.getTrainSamples() == 0) c.setTrainSamples(org.emergence.workloads.vision.VisionLocalityConfig.DEFAULT_TRAIN_SAMPLES);
                if (c.getTestSamples() == 0) c.setTestSamples(org.emergence.workloads.vision.VisionLocalityConfig.DEFAULT_TEST_SAMPLES);
                if (c.getPatch() == 0) c.setPatch(org.emergence.workloads.vision.VisionLocalityConfig.DEFAULT_PATCH);
                if (c.getDim() == 0) c.setDim(org.emergence.workloads.vision.VisionLocalityConfig.DEFAULT_DIM);
                if (c.getLayers() == 0) c.setLayers(org.emergence.workloads.vision.VisionLocalityConfig.DEFAULT_LAYERS);
                if (c.getHeads() == 0) c.setHeads(org.emergence.workloads.vision.VisionLocalityConfig.DEFAULT_HEADS);
                if (!c.hasCutmixAlpha()) c.setCutmixAlpha(org.emergence.workloads.vision.VisionLocalityConfig.DEFAULT_CUTMIX_ALPHA);
            }
            case IMPORTED, WORKLOAD_NOT_SET -> { }
        }
        return out.build();
    }

    /** The grokking protocol of docs/science.md section 1 wherever the caller left a field at zero. */
    private static OptimizerConfig resolveOptimizer(OptimizerConfig o) {
        OptimizerConfig.Builder out = o.toBuilder();
        if (o.getOptimizer() == Optimizer.OPTIMIZER_UNSPECIFIED) out.setOptimizer(Optimizer.OPTIMIZER_ADAMW);
        if (o.getLearningRate() == 0) out.setLearningRate(1e-3);
        if (!o.hasWeightDecay()) out.setWeightDecay(1.0);
        if (o.getBeta1() == 0) out.setBeta1(0.9);
        if (o.getBeta2() == 0) out.setBeta2(0.98);
        if (!o.hasWarmupSteps()) out.setWarmupSteps(10);
        return out.build();
    }

    /** The config as JSON, the form checkpoints carry it in. */
    public static String toJson(RunConfig config) {
        try {
            return JsonFormat.printer().omittingInsignificantWhitespace().print(config);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a RunConfig always prints", e);
        }
    }

    public static RunConfig fromJson(String json) {
        try {
            RunConfig.Builder config = RunConfig.newBuilder();
            JsonFormat.parser().ignoringUnknownFields().merge(json, config);
            return config.build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("checkpoint config is not a RunConfig: " + e.getMessage(), e);
        }
    }

    /** {@code build}, its rejection reported on {@code field}, or on the sub-field a {@link ConfigFieldException} names. */
    private static <T> T named(String field, Supplier<T> build) {
        return Calls.validated(field, () -> {
            try {
                return build.get();
            } catch (ConfigFieldException rejected) {
                String path = field + "." + rejected.field();
                throw RequestException.invalid(path, path + " " + rejected.problem());
            }
        });
    }
}
