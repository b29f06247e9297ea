package org.emergence.trainer.grpc;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.emergence.proto.provenance.Provenances;
import org.emergence.proto.v1.EngineVersion;
import org.emergence.proto.v1.Provenance;
import org.emergence.trainer.imports.ImportLimits;
import org.emergence.trainer.imports.Imports;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.emergence.trainer.runs.TrainingRuns;
import org.emergence.service.RunLimits;
import org.emergence.service.checkpoint.CachedCheckpointStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Builds the checkpoint store and the run manager from application.properties. */
@ApplicationScoped
public class TrainerWiring {

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(TrainerWiring.class.getName());

    @Produces
    @Singleton
    CachedCheckpointStore checkpointStore(@ConfigProperty(name = "trainer.checkpoint-dir") Path root,
                                          @ConfigProperty(name = "emergence.redis.url") Optional<String> redisUrl,
                                          @ConfigProperty(name = "emergence.cache.ttl") Duration ttl,
                                          @ConfigProperty(name = "emergence.cache.in-process-max-bytes") long maxBytes) {
        return CachedCheckpointStore.open(root, redisUrl, ttl, maxBytes);
    }

    @Produces
    @Singleton
    TrainingRuns runs(CachedCheckpointStore store, @ConfigProperty(name = "trainer.max-queued-runs") int maxQueued,
                      @ConfigProperty(name = "trainer.max-steps") Optional<Long> maxSteps,
                      @ConfigProperty(name = "trainer.max-checkpoints") Optional<Long> maxCheckpoints,
                      @ConfigProperty(name = "trainer.max-parameters") Optional<Long> maxParameters,
                      @ConfigProperty(name = "trainer.max-data-rows") Optional<Long> maxDataRows,
                      @ConfigProperty(name = "trainer.max-activations") Optional<Long> maxActivations,
                      MeterRegistry meters) {
        // Unset limits keep RunLimits' defaults, their one owner.
        RunLimits d = RunLimits.DEFAULTS;
        return new TrainingRuns(store, maxQueued, new RunLimits(maxSteps.orElse(d.maxSteps()),
                maxCheckpoints.orElse(d.maxCheckpoints()), maxParameters.orElse(d.maxParameters()),
                maxDataRows.orElse(d.maxDataRows()), maxActivations.orElse(d.maxActivations())), meters);
    }

    @Produces
    @Singleton
    Imports imports(@ConfigProperty(name = "trainer.checkpoint-dir") Path root,
                    @ConfigProperty(name = "trainer.import.max-bytes") long maxBytes,
                    @ConfigProperty(name = "trainer.import.max-files") int maxFiles,
                    @ConfigProperty(name = "trainer.import.max-file-bytes") long maxFileBytes) {
        return new Imports(root, new ImportLimits(maxBytes, maxFiles, maxFileBytes));
    }

    /**
     * What GetRun states for every run: this process's build and machine, and the engine that
     * trains, with the threads PyTorch actually uses (set by -Dai.djl.pytorch.num_threads and
     * num_interop_threads, else PyTorch's own choice).
     */
    @Produces
    @Singleton
    Provenance provenance() {
        Engine engine = Engine.getInstance();
        return Provenances.thisProcess()
                .addEngines(EngineVersion.newBuilder().setName("DJL").setVersion(Engine.getDjlVersion()))
                .addEngines(EngineVersion.newBuilder().setName(engine.getEngineName()).setVersion(engine.getVersion()))
                .setIntraOpThreads(JniUtils.getNumThreads())
                .setInterOpThreads(JniUtils.getNumInteropThreads())
                .setDevice(engine.defaultDevice().toString())
                .build();
    }

    /** Recovers the runs on disk before the first call can ask for them (a restarted trainer resumes its runs here). */
    void onStart(@Observes StartupEvent event, TrainingRuns runs) {
        LOG.info("trainer knows " + runs.size() + " runs");
    }

    void onStop(@Observes ShutdownEvent event, TrainingRuns runs, CachedCheckpointStore store)
            throws InterruptedException {
        runs.close();
        store.close();
    }
}
