package org.emergence.workloads.training;

import ai.djl.Device;
import org.emergence.workloads.modular.ModularAddition;
import org.emergence.workloads.modular.ModularAdditionConfig;
import org.emergence.workloads.modular.Variant;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device setting against engines with and without CUDA devices: auto takes the first GPU, cuda without one is refused. */
class ComputeDeviceTest {

    private static final String ENGINE = "PyTorch 2.7.1";

    @Test
    void withoutAGpuAutoIsTheCpuAndCudaIsRefusedSayingWhy() {
        assertEquals(Device.cpu(), ComputeDevice.AUTO.resolve(0, ENGINE));
        assertEquals(Device.cpu(), ComputeDevice.CPU.resolve(0, ENGINE));
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> ComputeDevice.CUDA.resolve(0, ENGINE));
        assertTrue(refused.getMessage().contains("no CUDA device"), refused.getMessage());
    }

    @Test
    void withAGpuAutoAndCudaTakeTheFirstAndCpuStaysOnTheCpu() {
        assertEquals(Device.gpu(0), ComputeDevice.AUTO.resolve(2, ENGINE));
        assertEquals(Device.gpu(0), ComputeDevice.CUDA.resolve(2, ENGINE));
        assertEquals(Device.cpu(), ComputeDevice.CPU.resolve(2, ENGINE));
    }

    @Test
    void labelsNameTheCpuAndTheCudaDeviceNumber() {
        assertEquals("cpu", ComputeDevice.label(Device.cpu()));
        assertEquals("cuda:1", ComputeDevice.label(Device.gpu(1)));
    }

    /** A trainer on the device it is given: its steps' losses are those of a trainer on what auto resolves to without a GPU. */
    @Test
    void aTrainerOnTheCpuTrainsThereLikeTheAutoOneWithoutAGpu() {
        ModularAddition workload = ModularAddition.of(new ModularAdditionConfig(11, 0.5, Variant.MLP, 16, 1, 32));
        TrainingConfig config = TrainingConfig.grokking(3e-3, 10, 2);
        Trainer onCpu = new Trainer(workload, config, CheckpointSchedule.every(10, 10), Device.cpu());
        assertEquals(Device.cpu(), onCpu.device());
        Trainer auto = new Trainer(workload, config, CheckpointSchedule.every(10, 10), ComputeDevice.AUTO.resolve(0, ENGINE));
        assertEquals(losses(auto), losses(onCpu));
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
