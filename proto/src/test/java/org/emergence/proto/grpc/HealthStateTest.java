package org.emergence.proto.grpc;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Health turns NOT_SERVING for a stalled worker while work waits, and for good after an OutOfMemoryError. */
class HealthStateTest {

    @Test
    void aStalledWorkerAndAnOutOfMemoryErrorAreProblems() throws InterruptedException {
        Duration stall = Duration.ofMillis(1);
        assertTrue(HealthState.problem(stall).isEmpty(), "idle is healthy however long");
        HealthState.workQueued();
        Thread.sleep(20);
        assertTrue(HealthState.problem(stall).orElse("").contains("no progress"), HealthState.problem(stall).toString());
        HealthState.beat();
        assertTrue(HealthState.problem(Duration.ofMinutes(1)).isEmpty(), "a heartbeat clears it");
        HealthState.workEnded();
        Thread.sleep(20);
        assertTrue(HealthState.problem(stall).isEmpty(), "no work queued, no stall");

        HealthState.outOfMemory(new OutOfMemoryError("Java heap space"));
        assertEquals("ran out of memory: Java heap space", HealthState.problem(stall).orElseThrow());
    }
}
