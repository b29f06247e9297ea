package org.emergence.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.emergence.proto.v1.ExperimentFinished;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.WatchExperimentResponse;

import java.util.Iterator;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * An experiment's events as a progress bar on stderr (stdout carries only the report): training
 * steps, the latest figures, and which checkpoint was analysed last.
 */
public final class ExperimentProgress {

    private ExperimentProgress() {
    }

    /** Follows the events until the stream ends; returns how the experiment finished (default if never said). */
    public static ExperimentFinished follow(String label, long steps, Iterator<WatchExperimentResponse> events) {
        return follow(label, steps, events, progress -> { });
    }

    /** As {@link #follow(String, long, Iterator)}, handing every progress event to {@code onProgress} too. */
    public static ExperimentFinished follow(String label, long steps, Iterator<WatchExperimentResponse> events,
                                            Consumer<StepProgress> onProgress) {
        ExperimentFinished finished = ExperimentFinished.getDefaultInstance();
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(250).build()) {
            while (events.hasNext()) {
                WatchExperimentResponse event = events.next();
                switch (event.getEventCase()) {
                    case PROGRESS -> {
                        bar.stepTo(event.getProgress().getStep());
                        bar.setExtraMessage(figures(event.getProgress()));
                        onProgress.accept(event.getProgress());
                    }
                    case ANALYSED -> bar.setExtraMessage(" analysed step " + event.getAnalysed().getStep());
                    case FINISHED -> {
                        bar.stepTo(steps);
                        finished = event.getFinished();
                    }
                    case EVENT_NOT_SET -> { }
                }
            }
        }
        return finished;
    }

    /** Accuracies where the task has them, losses otherwise (accuracy is NaN for regression). */
    private static String figures(StepProgress p) {
        return Double.isNaN(p.getTrainAccuracy())
                ? String.format(Locale.ROOT, " train loss %.4g  test loss %.4g", p.getTrainLoss(), p.getTestLoss())
                : String.format(Locale.ROOT, " train acc %.3f  test acc %.3f", p.getTrainAccuracy(), p.getTestAccuracy());
    }
}
