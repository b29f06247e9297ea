package org.emergence.exports;

import org.emergence.proto.tensorboard.Event;
import org.emergence.proto.tensorboard.Summary;
import org.emergence.proto.v1.GetReportResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The TensorBoard export: an event file of TFRecords, the first holding the file version, then one
 * Event per step with a scalar summary per series measured there, tagged by its catalogue id. The
 * report keeps no clock per checkpoint, so every event's wall time is the export's.
 */
final class TensorBoardEvents {

    /** What TensorBoard expects in a file's first event. */
    static final String FILE_VERSION = "brain.Event:2";
    /** The name part TensorFlow's writers put after the time: the host writing. */
    private static final String HOST = host();

    private TensorBoardEvents() {
    }

    static String fileName(Instant now) {
        return "events.out.tfevents." + now.getEpochSecond() + "." + HOST;
    }

    static void write(GetReportResponse report, Instant now, OutputStream out) throws IOException {
        double wallTime = now.toEpochMilli() / 1000.0;
        record(out, Event.newBuilder().setWallTime(wallTime).setFileVersion(FILE_VERSION).build().toByteArray());
        for (Map.Entry<Long, Map<String, Double>> row : StepRows.of(report).entrySet()) {
            Summary.Builder summary = Summary.newBuilder();
            row.getValue().forEach((id, value) ->
                    summary.addValue(Summary.Value.newBuilder().setTag(id).setSimpleValue(value.floatValue())));
            record(out, Event.newBuilder().setWallTime(wallTime).setStep(row.getKey()).setSummary(summary)
                    .build().toByteArray());
        }
        out.flush();
    }

    /**
     * One TFRecord: the length as uint64 little-endian, its masked CRC32C, the data, the data's
     * masked CRC32C (both CRCs uint32 little-endian).
     */
    private static void record(OutputStream out, byte[] data) throws IOException {
        byte[] length = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
        out.write(length);
        out.write(maskedCrc(length));
        out.write(data);
        out.write(maskedCrc(data));
    }

    /** TFRecord's masked CRC32C, little-endian: the mask keeps a CRC of bytes that hold CRCs from being trivial. */
    private static byte[] maskedCrc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        int c = (int) crc.getValue();
        int masked = ((c >>> 15) | (c << 17)) + 0xa282ead8;
        return ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(masked).array();
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            // Only a name: any will do where the host has none that resolves.
            return "localhost";
        }
    }
}
