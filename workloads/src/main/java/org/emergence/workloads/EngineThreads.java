package org.emergence.workloads;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op thread count on the calling thread. PyTorch keeps it in OpenMP, whose count is
 * per native thread: DJL applies {@code -Dai.djl.pytorch.num_threads} only on the thread that loads
 * the engine, and any other thread (a trainer's own) starts with one OpenMP thread per core. Then
 * some operations split their work differently, and two runs of one config on different threads
 * drifted apart by an ulp within twenty steps.
 */
public final class EngineThreads {

    private static final String PROPERTY = "ai.djl.pytorch.num_threads";

    private EngineThreads() {
    }

    /** Applies the configured intra-op thread count to this thread; without one, PyTorch's own choice stays. */
    public static void applyToThisThread() {
        Integer threads = Integer.getInteger(PROPERTY);
        if (threads != null && threads > 0 && "PyTorch".equals(Engine.getInstance().getEngineName())) {
            JniUtils.setNumThreads(threads);
        }
    }
}
