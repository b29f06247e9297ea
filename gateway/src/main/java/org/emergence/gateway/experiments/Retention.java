package org.emergence.gateway.experiments;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.logging.Logger;

/**
 * The periodic retention sweep over every tenant's finished experiments: those finished longer
 * ago than gateway.retention.max-age go, and while the stored bytes of all experiments
 * ({@link StoredBytes}) exceed gateway.retention.max-bytes, the finished ones go oldest finish
 * first. A running experiment is never deleted. Both limits are off unless configured. Each
 * sweep also completes deletes cut short earlier, and drops groups left without members.
 */
public final class Retention {

    private static final Logger LOG = Logger.getLogger(Retention.class.getName());

    private final ExperimentSupervisor supervisor;
    private final Groups groups;
    private final StoredBytes storedBytes;
    private final Optional<Duration> maxAge;
    private final OptionalLong maxBytes;

    public Retention(ExperimentSupervisor supervisor, Groups groups, StoredBytes storedBytes, Optional<Duration> maxAge,
                     OptionalLong maxBytes) {
        this.supervisor = supervisor;
        this.groups = groups;
        this.storedBytes = storedBytes;
        this.maxAge = maxAge;
        this.maxBytes = maxBytes;
    }

    /** One sweep as of {@code nowMillis}; the ids of the experiments it deleted, in the order it deleted them. */
    public synchronized List<String> sweep(long nowMillis) {
        supervisor.finishDeletes();
        List<String> deleted = new ArrayList<>();
        List<Experiment> finished = supervisor.everyTenant().stream().filter(e -> !e.isActive())
                .sorted(Comparator.comparingLong((Experiment e) -> e.record().finishedMillis())
                        .thenComparing(e -> e.record().id()))
                .toList();
        List<Experiment> kept = new ArrayList<>();
        for (Experiment experiment : finished) {
            if (maxAge.isPresent() && nowMillis - experiment.record().finishedMillis() > maxAge.get().toMillis()) {
                delete(experiment, "finished more than " + maxAge.get() + " ago", deleted);
            } else {
                kept.add(experiment);
            }
        }
        if (maxBytes.isPresent()) {
            long total = supervisor.everyTenant().stream().mapToLong(storedBytes::of).sum();
            for (Experiment experiment : kept) {
                if (total <= maxBytes.getAsLong()) {
                    break;
                }
                long bytes = storedBytes.of(experiment);
                delete(experiment, "the experiments store " + total + " bytes, over " + maxBytes.getAsLong(), deleted);
                total -= bytes;
            }
        }
        groups.dropEmpty();
        return deleted;
    }

    private void delete(Experiment experiment, String why, List<String> deleted) {
        ExperimentRecord record = experiment.record();
        LOG.info("retention deletes experiment " + record.id() + " of tenant " + record.tenant() + ": " + why);
        supervisor.delete(record.id(), record.tenant());
        deleted.add(record.id());
    }
}
