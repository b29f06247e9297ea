package org.emergence.cli;

import com.google.protobuf.util.Durations;

import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Milestone;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.Transition;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** An experiment report for people: when abilities appeared and which signal moved first. */
final class ReportText {

    /** The series a reader of a grokking report looks for first, with their plain names. */
    private static final Map<String, String> HEADLINE = Map.of(
            "test_accuracy", "test accuracy",
            "train_accuracy", "train accuracy",
            "h1_max_persistence", "H1 max persistence of the embedding",
            "h1_total_persistence", "H1 total persistence of the embedding",
            "fourier_gini", "Fourier Gini of the embedding",
            "restricted_loss", "restricted loss",
            "excluded_loss", "excluded loss",
            "weight_norm", "weight norm");

    private final GetReportResponse report;

    ReportText(GetReportResponse report) {
        this.report = report;
    }

    void print(PrintStream out) {
        ModularAdditionConfig task = report.getRun().getWorkload().getModularAddition();
        out.printf("%nExperiment %s: %s%n", report.getExperimentId(), report.getState().name()
                .replace("EXPERIMENT_STATE_", "").toLowerCase());
        out.printf("  modular addition, p = %d, %s, train fraction %.2f, AdamW lr %s, wd %s, %d steps, seed %d%n",
                task.getModulus(), task.getVariant().name().replace("MODULAR_ADDITION_VARIANT_", ""),
                task.getTrainFraction(), report.getRun().getOptimizer().getLearningRate(),
                report.getRun().getOptimizer().getWeightDecay(), report.getRun().getSteps(), report.getRun().getSeed());
        out.printf("  %.1f s wall, %.1f ms per training step, %d of %d checkpoints analysed%n%n",
                Durations.toMillis(report.getWallTime()) / 1000.0, Durations.toNanos(report.getStepTime()) / 1e6, report.getCheckpointsAnalysed(),
                report.getCheckpointsWritten());
        out.println("Milestones");
        for (Milestone m : report.getMilestonesList()) {
            out.printf("  %-26s %s%n", describe(m.getName()), m.getReached() ? "step " + m.getStep() : "not reached");
        }
        out.println();
        out.println("Transitions (change points over checkpoints; lead = steps before test accuracy's)");
        out.printf("  %-40s %8s %10s %11s %8s%n", "series", "step", "size", "confidence", "lead");
        for (Transition t : ordered(report.getTransitionsList())) {
            if (t.getDetected()) {
                out.printf("  %-40s %8d %10.4g %11.2f %8s%n", name(t.getSeries()), t.getStep(), t.getSize(),
                        t.getConfidence(), t.getSeries().equals("test_accuracy") ? "-" : String.valueOf(t.getLeadSteps()));
            } else if (HEADLINE.containsKey(t.getSeries())) {
                out.printf("  %-40s %8s%n", name(t.getSeries()), "none");
            }
        }
    }

    /** Headline series first, then the rest by step. */
    private static List<Transition> ordered(List<Transition> transitions) {
        return transitions.stream().sorted(Comparator
                .comparing((Transition t) -> !HEADLINE.containsKey(t.getSeries()))
                .thenComparing(t -> !t.getDetected())
                .thenComparingLong(Transition::getStep)).toList();
    }

    private static String name(String series) {
        return HEADLINE.getOrDefault(series, series);
    }

    private static String describe(String milestone) {
        return switch (milestone) {
            case "train_accuracy_1" -> "train accuracy hit 1.0";
            case "test_accuracy_0.5" -> "test accuracy crossed 0.5";
            case "test_accuracy_0.95" -> "test accuracy crossed 0.95";
            default -> milestone;
        };
    }
}
