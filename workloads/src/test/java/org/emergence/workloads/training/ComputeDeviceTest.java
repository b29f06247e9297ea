package org.emergence.workloads.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.emergence.workloads.modular.ModularAddition;
import org.emergence.workloads.modular.ModularAdditionConfig;
import org.emergence.workloads.modular.Variant;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The device setting on a machine without a GPU (CI's and the developers'): auto is the CPU, cuda is refused. */
class ComputeDeviceTest {

    @Test
    void withoutAGpuAutoIsTheCpuAndCudaIsRefusedSayingWhy() {
        assumeTrue(Engine.getInstance().getGpuCount() == 0, "this machine has a GPU");
        assertEquals(Device.cpu(), ComputeDevice.AUTO.resolve());
        assertEquals(Device.cpu(), ComputeDevice.CPU.resolve());
        IllegalStateException refused = assertThrows(IllegalStateException.class, ComputeDevice.CUDA::resolve);
        assertTrue(refused.getMessage().contains("no CUDA device"), refused.getMessage());
    }

    @Test
    void labelsNameTheCpuAndTheCudaDeviceNumber() {
        assertEquals("cpu", ComputeDevice.label(Device.cpu()));
        assertEquals("cuda:1", ComputeDevice.label(Device.gpu(1)));
    }

    /** A trainer on the device it is given: its steps' losses are those of the default (auto) trainer here. */
    @Test
    void aTrainerOnTheCpuTrainsThereLikeTheDefaultOne() {
        assumeTrue(Engine.getInstance().getGpuCount() == 0, "this machine has a GPU");
        ModularAddition workload = ModularAddition.of(new ModularAdditionConfig(11, 0.5, Variant.MLP, 16, 1, 32));
        TrainingConfig config = TrainingConfig.grokking(3e-3, 10, 2);
        Trainer onCpu = new Trainer(workload, config, CheckpointSchedule.every(10, 10), Device.cpu());
        assertEquals(Device.cpu(), onCpu.device());
        assertEquals(losses(new Trainer(workload, config, CheckpointSchedule.every(10, 10))), losses(onCpu));
    }

    private static List<Double> losses(Trainer trainer) {
        List<Double> losses = new ArrayList<>();
        trainer.run(new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss, double trainAccuracy) {
                losses.add(trainLoss);
            }
        }, () -> false);
        return losses;
    }
}
