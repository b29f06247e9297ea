package org.emergence.workloads.training;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Where a run trains, as asked: resolved against the engine's devices when the run starts. */
public enum ComputeDevice {
    /** The first CUDA device where the engine has one, else the CPU. */
    AUTO,
    CPU,
    CUDA;

    /**
     * The engine's device for this choice.
     *
     * @throws IllegalStateException for CUDA where the engine sees no CUDA device (no GPU, or the
     *                               engine's CPU build: the cuda Maven profile brings the CUDA one)
     */
    public Device resolve() {
        Engine engine = Engine.getInstance();
        return resolve(engine.getGpuCount(), engine.getEngineName() + " " + engine.getVersion());
    }

    /** The device for this choice on an engine ({@code engine}, for the refusal's words) that sees {@code gpus} CUDA devices. */
    Device resolve(int gpus, String engine) {
        return switch (this) {
            case CPU -> Device.cpu();
            case AUTO -> gpus > 0 ? Device.gpu(0) : Device.cpu();
            case CUDA -> {
                if (gpus == 0) {
                    throw new IllegalStateException("cuda was asked for, but " + engine + " here sees no CUDA device "
                            + "(no GPU, or the CPU build of the engine); use auto or cpu");
                }
                yield Device.gpu(0);
            }
        };
    }

    /** How progress events and provenance name a device: "cpu" or "cuda:N". */
    public static String label(Device device) {
        return device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
    }
}
