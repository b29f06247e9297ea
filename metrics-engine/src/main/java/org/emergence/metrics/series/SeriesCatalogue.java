package org.emergence.metrics.series;

import org.emergence.workloads.TrainingSeries;
import org.emergence.workloads.parity.SparseParity;
import org.emergence.workloads.superposition.Superposition;
import org.emergence.workloads.icl.IclRegression;
import org.emergence.workloads.induction.Induction;
import org.emergence.workloads.lewis.LewisGame;
import org.emergence.workloads.phases.AttentionPhases;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every scalar series the suite measures: its stable id, display name, unit, group and whether
 * it is a headline. The probes store their scalars under these ids, and reports, the dashboard,
 * the command line and the clients render from these entries: no other place keeps a list.
 *
 * <p>Some series come in families: one per attention head ({@code attention_mean_distance.l0h3}),
 * one per analysed point cloud ({@code h1_max_persistence.embedding_fourier}), one per task of a
 * multitask workload ({@code task_accuracy.t3}). Their id is the base id, a dot and a qualifier.
 */
public final class SeriesCatalogue {

    public static final String TRAIN_LOSS = TrainingSeries.TRAIN_LOSS;
    public static final String TEST_LOSS = TrainingSeries.TEST_LOSS;
    public static final String TRAIN_ACCURACY = TrainingSeries.TRAIN_ACCURACY;
    public static final String TEST_ACCURACY = TrainingSeries.TEST_ACCURACY;
    /** Per task of sparse parity: qualified {@code tN} by {@link SparseParity#task}. */
    public static final String TASK_ACCURACY = SparseParity.TASK_ACCURACY;
    public static final String TASK_LOSS = SparseParity.TASK_LOSS;
    public static final String SUPERPOSITION_FEATURES = Superposition.FEATURES;
    public static final String POSITIONAL_OVERLAP = AttentionPhases.POSITIONAL_OVERLAP;
    public static final String SEMANTIC_OVERLAP = AttentionPhases.SEMANTIC_OVERLAP;
    public static final String INFORMATION_LOSS_TRAIN = LewisGame.INFORMATION_LOSS_TRAIN;
    public static final String INFORMATION_LOSS_TEST = LewisGame.INFORMATION_LOSS_TEST;
    public static final String COADAPTATION_LOSS_TRAIN = LewisGame.COADAPTATION_LOSS_TRAIN;
    public static final String COADAPTATION_LOSS_TEST = LewisGame.COADAPTATION_LOSS_TEST;
    public static final String TOPOGRAPHIC_SIMILARITY = LewisGame.TOPOGRAPHIC_SIMILARITY;
    public static final String WEIGHT_NORM = "weight_norm";
    public static final String FOURIER_GINI = "fourier_gini";
    public static final String FOURIER_GINI_UNEMBEDDING = "fourier_gini_unembedding";
    public static final String FOURIER_KEY_FREQUENCIES = "fourier_key_frequencies";
    public static final String RESTRICTED_LOSS = "restricted_loss";
    public static final String EXCLUDED_LOSS = "excluded_loss";
    public static final String INTRINSIC_DIMENSION_TWO_NN = "intrinsic_dimension_two_nn";
    public static final String INTRINSIC_DIMENSION_MLE = "intrinsic_dimension_mle";
    public static final String PHASE_BETA_RATIO = "phase_beta_ratio";
    public static final String HESSIAN_TOP_EIGENVALUE = "hessian_top_eigenvalue";
    public static final String LLC = "llc";
    public static final String LLC_STD = "llc_std";
    /** Per head: qualified by {@link #head}. */
    public static final String ATTENTION_MEAN_DISTANCE = "attention_mean_distance";
    public static final String ATTENTION_ENTROPY = "attention_entropy";
    public static final String INDUCTION_SCORE = "induction_score";
    /** The in-context workloads' own held-out figures (docs/science.md sections 1.2 and 1.3). */
    public static final String RIDGE_ERROR = IclRegression.RIDGE_ERROR;
    public static final String DMMSE_ERROR = IclRegression.DMMSE_ERROR;
    public static final String ZERO_ERROR = IclRegression.ZERO_ERROR;
    public static final String ICL_DISTANCE_TO_RIDGE = IclRegression.DISTANCE_TO_RIDGE;
    public static final String ICL_DISTANCE_TO_DMMSE = IclRegression.DISTANCE_TO_DMMSE;
    public static final String IN_CONTEXT_ACCURACY = Induction.IN_CONTEXT_ACCURACY;
    public static final String IN_WEIGHTS_ACCURACY = Induction.IN_WEIGHTS_ACCURACY;
    /** Per point cloud and homology dimension: qualified by the cloud's name, see {@link #persistence}. */
    public static final String BARS = "bars";
    public static final String MAX_PERSISTENCE = "max_persistence";
    public static final String TOTAL_PERSISTENCE = "total_persistence";

    private static final Pattern HEAD = Pattern.compile("l(\\d+)h(\\d+)");
    private static final Pattern TASK = Pattern.compile("t(\\d+)");
    private static final Set<String> PER_TASK = Set.of(TASK_ACCURACY, TASK_LOSS);
    private static final Pattern HOMOLOGY = Pattern.compile("h(\\d)_(bars|max_persistence|total_persistence)");
    private static final Map<String, SeriesEntry> BASE = new LinkedHashMap<>();

    static {
        SeriesGroup t = SeriesGroup.TRAINING;
        add(TRAIN_LOSS, "Train loss", "loss", t, true, "Mean loss on the training split.");
        add(TEST_LOSS, "Test loss", "loss", t, true, "Mean loss on the held-out split.");
        add(TRAIN_ACCURACY, "Train accuracy", "[0, 1]", t, true, "Share of training inputs classified correctly.");
        add(TEST_ACCURACY, "Test accuracy", "[0, 1]", t, true, "Share of held-out inputs classified correctly.");
        add(TASK_ACCURACY, "Task accuracy", "[0, 1]", t, true,
                "Share of one task's held-out inputs classified correctly (sparse parity: one series per task).");
        add(TASK_LOSS, "Task loss", "loss", t, false, "Mean loss on one task's held-out inputs.");
        add(SUPERPOSITION_FEATURES, "Features represented", "count", t, true,
                "Features whose held-out reconstruction has R² above " + Superposition.REPRESENTED_R2
                        + " (toy model of superposition).");
        add(POSITIONAL_OVERLAP, "Positional overlap", "W.p / d", t, true,
                "Overlap of the learned query-key direction with the positional encoding (attention-phases).");
        add(SEMANTIC_OVERLAP, "Semantic overlap", "W.Q* / d", t, true,
                "Overlap of the learned query-key direction with the teacher's semantic direction (attention-phases).");
        add(INFORMATION_LOSS_TRAIN, "Information loss (train)", "loss", t, false,
                "Loss of the best receiver for the sender's messages on the training objects (Lewis game).");
        add(INFORMATION_LOSS_TEST, "Information loss (held out)", "loss", t, false,
                "Loss of the best receiver for the sender's messages on the held-out objects (Lewis game).");
        add(COADAPTATION_LOSS_TRAIN, "Co-adaptation loss (train)", "loss", t, true,
                "Receiver's loss beyond the information loss on the training objects (Lewis game).");
        add(COADAPTATION_LOSS_TEST, "Co-adaptation loss (held out)", "loss", t, true,
                "Receiver's loss beyond the information loss on the held-out objects (Lewis game).");
        add(TOPOGRAPHIC_SIMILARITY, "Topographic similarity", "[-1, 1]", t, true,
                "Spearman correlation of meaning Hamming distances with message edit distances (Lewis game).");
        add(WEIGHT_NORM, "Weight norm", "L2", SeriesGroup.WEIGHTS, true, "L2 norm of all parameters together.");
        SeriesGroup f = SeriesGroup.FOURIER;
        add(FOURIER_GINI, "Fourier Gini (embedding)", "[0, 1]", f, true,
                "Gini coefficient of the token embedding's norms over the Fourier basis of Z_p.");
        add(FOURIER_GINI_UNEMBEDDING, "Fourier Gini (unembedding)", "[0, 1]", f, false,
                "Gini coefficient of the neuron-to-logit map's norms over the Fourier basis of Z_p.");
        add(FOURIER_KEY_FREQUENCIES, "Key frequencies", "count", f, false,
                "Frequencies that together carry most of the embedding's Fourier norm.");
        add(RESTRICTED_LOSS, "Restricted loss", "loss", f, true,
                "Loss over all pairs with only the key-frequency components of the logits kept.");
        add(EXCLUDED_LOSS, "Excluded loss", "loss", f, true,
                "Training loss with the key-frequency components of the logits removed.");
        SeriesGroup g = SeriesGroup.GEOMETRY;
        add(INTRINSIC_DIMENSION_TWO_NN, "Intrinsic dimension (TwoNN)", "dimensions", g, false,
                "TwoNN estimate of the representation's intrinsic dimension.");
        add(INTRINSIC_DIMENSION_MLE, "Intrinsic dimension (MLE)", "dimensions", g, false,
                "Levina-Bickel maximum-likelihood estimate of the intrinsic dimension.");
        add(PHASE_BETA_RATIO, "Phase probe beta/beta_c", "ratio", SeriesGroup.PHASE, true,
                "Inverse temperature of the GMM probe over its critical value; above 1 the prototypes have split.");
        add(HESSIAN_TOP_EIGENVALUE, "Top Hessian eigenvalue", "curvature", SeriesGroup.LANDSCAPE, false,
                "Largest eigenvalue of the training loss Hessian.");
        add(LLC, "Local learning coefficient", "dimensions / 2", SeriesGroup.LANDSCAPE, true,
                "SGLD estimate of the local learning coefficient at the checkpoint: the effective number of parameters, halved.");
        add(LLC_STD, "LLC spread across chains", "dimensions / 2", SeriesGroup.LANDSCAPE, false,
                "Standard deviation of the per-chain LLC estimates.");
        SeriesGroup a = SeriesGroup.ATTENTION;
        add(ATTENTION_MEAN_DISTANCE, "Mean attention distance", "[0, 1]", a, false,
                "Attention-weighted distance between query and key positions, over the largest distance.");
        add(ATTENTION_ENTROPY, "Attention entropy", "[0, 1]", a, false,
                "Entropy of the attention rows over the log of the number of keys.");
        add(INDUCTION_SCORE, "Induction score", "[0, 1]", a, false,
                "Attention from a token to the one after the previous occurrence of that token (in-context"
                        + " classification: from the query to the labels of its class's items).");
        SeriesGroup icl = SeriesGroup.IN_CONTEXT;
        add(RIDGE_ERROR, "Ridge error (unseen tasks)", "squared error", icl, false,
                "Error of ridge regression on the context (lambda = noise variance) on held-out tasks.");
        add(DMMSE_ERROR, "dMMSE error (unseen tasks)", "squared error", icl, false,
                "Error of the Bayes predictor over the training task pool on held-out tasks.");
        add(ZERO_ERROR, "Zero-predictor error", "squared error", icl, false,
                "Error of predicting 0 on held-out tasks: the level before any in-context learning.");
        add(ICL_DISTANCE_TO_RIDGE, "Distance to ridge", "squared error", icl, true,
                "Mean squared difference between the model's predictions and ridge regression's on held-out tasks.");
        add(ICL_DISTANCE_TO_DMMSE, "Distance to dMMSE", "squared error", icl, true,
                "Mean squared difference between the model's predictions and the pool's Bayes predictor's.");
        add(IN_CONTEXT_ACCURACY, "In-context accuracy", "[0, 1]", icl, true,
                "Accuracy on novel classes with fresh labels whose label only the context holds.");
        add(IN_WEIGHTS_ACCURACY, "In-weights accuracy", "[0, 1]", icl, true,
                "Accuracy on training classes absent from the context: only a memorised label answers.");
        for (int dimension = 0; dimension <= 3; dimension++) {
            SeriesGroup top = SeriesGroup.TOPOLOGY;
            boolean h1 = dimension == 1;
            add(homology(dimension, BARS), "H" + dimension + " bars", "count", top, false,
                    "Finite bars of the H" + dimension + " persistence diagram.");
            add(homology(dimension, MAX_PERSISTENCE), "H" + dimension + " max persistence", "distance", top, h1,
                    "Longest finite H" + dimension + " bar.");
            add(homology(dimension, TOTAL_PERSISTENCE), "H" + dimension + " total persistence", "distance", top, h1,
                    "Sum of the finite H" + dimension + " bar lengths.");
        }
    }

    private SeriesCatalogue() {
    }

    private static void add(String id, String name, String unit, SeriesGroup group, boolean headline, String description) {
        BASE.put(id, new SeriesEntry(id, name, unit, group, headline, description));
    }

    /** {@code hK_statistic}, the base id of a persistence summary. */
    public static String homology(int dimension, String statistic) {
        return "h" + dimension + "_" + statistic;
    }

    /** The id of a persistence summary of the named point cloud: {@code hK_statistic.cloud}. */
    public static String persistence(int dimension, String statistic, String cloud) {
        return homology(dimension, statistic) + "." + cloud;
    }

    /** The qualifier of layer {@code layer}, head {@code head}: {@code lLhH}. */
    public static String head(String base, int layer, int head) {
        return base + ".l" + layer + "h" + head;
    }

    /** Every base entry, in report order within each group. */
    public static List<SeriesEntry> entries() {
        return List.copyOf(BASE.values());
    }

    /** The entry of a series id, qualified ids included; empty for an id the suite does not measure. */
    public static Optional<SeriesEntry> describe(String id) {
        SeriesEntry exact = BASE.get(id);
        if (exact != null) {
            return Optional.of(exact);
        }
        int dot = id.indexOf('.');
        if (dot <= 0 || dot == id.length() - 1) {
            return Optional.empty();
        }
        SeriesEntry base = BASE.get(id.substring(0, dot));
        String qualifier = id.substring(dot + 1);
        if (base == null) {
            return Optional.empty();
        }
        if (PER_TASK.contains(base.id())) {
            Matcher task = TASK.matcher(qualifier);
            return task.matches() ? Optional.of(base.qualified(qualifier, "task " + task.group(1))) : Optional.empty();
        }
        Matcher head = HEAD.matcher(qualifier);
        if (base.group() == SeriesGroup.ATTENTION) {
            return head.matches()
                    ? Optional.of(base.qualified(qualifier, "layer " + head.group(1) + " head " + head.group(2)))
                    : Optional.empty();
        }
        return HOMOLOGY.matcher(base.id()).matches() ? Optional.of(base.qualified(qualifier, qualifier)) : Optional.empty();
    }
}
