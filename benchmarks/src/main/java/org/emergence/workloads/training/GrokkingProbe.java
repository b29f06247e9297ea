package org.emergence.workloads.training;

import org.emergence.workloads.Parameters;
import org.emergence.workloads.modular.ModularAddition;
import org.emergence.workloads.modular.ModularAdditionConfig;
import org.emergence.workloads.modular.Variant;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CancellationException;

/**
 * Times grokking of modular addition under the docs/science.md protocol (AdamW, betas (0.9, 0.98),
 * 10 warm-up steps, full batch): prints the steps at which train accuracy reached 1.0 and test
 * accuracy crossed 0.5 and 0.95, and the time per step. Stops once test accuracy reaches 0.95.
 *
 * <p>Usage: {@code GrokkingProbe p fraction lr wd steps seed variant [evalEvery]}
 */
public final class GrokkingProbe {

    /** Thread CPU time counts the PyTorch work too: with one intra-op thread it runs on the caller. */
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private GrokkingProbe() {
    }

    public static void main(String[] args) {
        if (args.length < 7) {
            System.err.println("usage: GrokkingProbe p fraction lr wd steps seed MLP|TRANSFORMER [evalEvery]");
            System.exit(2);
        }
        ModularAdditionConfig workload = ModularAdditionConfig.of(
                Integer.parseInt(args[0]), Double.parseDouble(args[1]), Variant.valueOf(args[6].toUpperCase(Locale.ROOT)));
        TrainingConfig base = TrainingConfig.grokking(Double.parseDouble(args[2]), Long.parseLong(args[4]), Long.parseLong(args[5]));
        int evalEvery = args.length > 7 ? Integer.parseInt(args[7]) : base.evalEvery();
        TrainingConfig config = new TrainingConfig(base.optimizer(), base.learningRate(), Double.parseDouble(args[3]),
                base.beta1(), base.beta2(), base.warmupSteps(), base.steps(), base.batchSize(), base.seed(), evalEvery);
        Milestones milestones = new Milestones();
        Trainer trainer = new Trainer(ModularAddition.of(workload), config, CheckpointSchedule.every(config.steps(), config.steps()));
        long start = System.nanoTime();
        long startCpu = THREADS.getCurrentThreadCpuTime();
        try {
            trainer.run(milestones, () -> milestones.testGrokked >= 0);
        } catch (CancellationException stoppedAfterGrokking) {
            // The run has answered the question; the remaining steps would only cost time.
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (THREADS.getCurrentThreadCpuTime() - startCpu) / 1e9;
        long steps = milestones.lastStep + 1;
        System.out.printf(Locale.ROOT, "%s p=%d fraction=%.2f lr=%g wd=%g seed=%d: train acc 1.0 at %d, test 0.5 at %d, test 0.95 at %d;"
                        + " %d steps in %.1f s (%.1f s CPU of this thread), %.2f ms/step wall, %.2f ms/step CPU%n",
                workload.variant(), workload.p(), workload.trainFraction(), config.learningRate(), config.weightDecay(), config.seed(),
                milestones.trainMemorised, milestones.testHalf, milestones.testGrokked,
                steps, seconds, cpuSeconds, 1000 * seconds / steps, 1000 * cpuSeconds / steps);
    }

    /** The process's resident memory, to watch for leaks over long runs. */
    private static long residentMegabytes() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) / 1024)
                    .findFirst().orElse(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    /** First steps at which each threshold was met; -1 until then. */
    private static final class Milestones implements TrainingListener {
        long trainMemorised = -1;
        long testHalf = -1;
        long testGrokked = -1;
        long lastStep;

        @Override
        public void onStep(long step, double trainLoss, double trainAccuracy) {
            lastStep = step;
            if (trainMemorised < 0 && trainAccuracy == 1.0) {
                trainMemorised = step;
            }
        }

        @Override
        public void onEvaluation(Evaluation evaluation, Parameters parameters) {
            if (testHalf < 0 && evaluation.testAccuracy() >= 0.5) {
                testHalf = evaluation.step();
            }
            if (testGrokked < 0 && evaluation.testAccuracy() >= 0.95) {
                testGrokked = evaluation.step();
            }
            if (evaluation.step() % 500 == 0) {
                System.out.printf(Locale.ROOT, "step %d train loss %.4f acc %.3f test loss %.4f acc %.3f, resident %d MB%n",
                        evaluation.step(), evaluation.trainLoss(), evaluation.trainAccuracy(), evaluation.testLoss(),
                        evaluation.testAccuracy(), residentMegabytes());
            }
        }
    }
}
