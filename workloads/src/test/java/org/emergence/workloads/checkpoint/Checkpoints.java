package org.emergence.workloads.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/** Small checkpoints with recognisable contents for the store tests. */
public final class Checkpoints {

    private Checkpoints() {
    }

    public static Checkpoint sample(String runId, long step) {
        return new Checkpoint(runId, step, "{\"workload\":\"modular-addition\",\"p\":7}",
                Map.of("train_loss", 1.0 / (step + 1), "test_accuracy", Double.NaN),
                List.of(floats("embed.W", step, 7, 4), floats("out.b", -step, 7),
                        new NamedTensor("counts", "int64", new long[] {2}, longs(step, step + 1))));
    }

    /** A float32 tensor holding start, start + 0.5, start + 1, ... */
    public static NamedTensor floats(String name, double start, long... shape) {
        int size = (int) java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact);
        ByteBuffer data = ByteBuffer.allocate(4 * size).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < size; i++) {
            data.putFloat((float) (start + 0.5 * i));
        }
        return new NamedTensor(name, "float32", shape, data.array());
    }

    private static byte[] longs(long... values) {
        ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long value : values) {
            data.putLong(value);
        }
        return data.array();
    }
}
