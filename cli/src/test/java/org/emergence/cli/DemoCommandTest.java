package org.emergence.cli;

import org.emergence.proto.configs.DemoRun;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.RunConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The demo runs the canonical config file; each flag given overrides one field of it and nothing else. */
class DemoCommandTest {

    private static RunConfig parsed(String... args) {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs(args);
        return demo.run();
    }

    @Test
    void withoutFlagsTheRunIsTheDemoConfig() {
        RunConfig run = parsed();
        assertEquals(DemoRun.config(), run);
        assertEquals(53, run.getWorkload().getModularAddition().getModulus());
        assertEquals(1500, run.getSteps());
        assertEquals(1.0, run.getOptimizer().getWeightDecay());
    }

    @Test
    void flagsOverrideSingleFields() {
        RunConfig run = parsed("--modulus", "11", "--steps", "60", "--seed", "2", "--variant", "transformer");
        RunConfig.Builder expected = DemoRun.config().toBuilder().setSteps(60).setSeed(2);
        expected.getWorkloadBuilder().getModularAdditionBuilder().setModulus(11)
                .setVariant(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER);
        assertEquals(expected.build(), run);
    }
}
