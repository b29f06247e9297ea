package org.emergence.durable;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurableFilesTest {

    @TempDir
    Path root;

    @Test
    void writeReplacesWholeInNewFoldersAndLeavesNoTemporary() throws IOException {
        Path file = root.resolve("a/b/record.json");
        DurableFiles.write(file, "first".getBytes(StandardCharsets.UTF_8));
        DurableFiles.write(file, "second".getBytes(StandardCharsets.UTF_8));
        assertEquals("second", Files.readString(file));
        assertEquals(List.of("record.json"), names(file.getParent()));
    }

    @Test
    void appendAddsToTheEnd() throws IOException {
        Path log = root.resolve("log.jsonl");
        DurableFiles.append(log, "1\n".getBytes(StandardCharsets.UTF_8));
        DurableFiles.append(log, "2\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("1\n2\n", Files.readString(log));
    }

    @Test
    void quarantineMovesAsideAndCleanUpRemovesOnlyTemporaries() throws IOException {
        Path record = root.resolve("run/run.json");
        DurableFiles.write(record, "{torn".getBytes(StandardCharsets.UTF_8));
        Files.writeString(root.resolve("run").resolve(DurableFiles.TEMPORARY_PREFIX + "1.tmp"), "cut short");
        Path aside = DurableFiles.quarantine(record, "does not parse");
        assertFalse(Files.exists(record));
        assertEquals("{torn", Files.readString(aside));
        assertEquals(1, DurableFiles.removeTemporaries(root, 2).size());
        assertEquals(List.of(aside.getFileName().toString()), names(root.resolve("run")));
        assertTrue(aside.getFileName().toString().startsWith("run.json.corrupt-"));
    }

    @Test
    void bytesUnderAFolderBeingWrittenCountsWhatStaysAndNeverFails() throws Exception {
        // A writer replacing files (temporary, fsync, rename) while the folder is measured, as a
        // trainer writes checkpoints while GetRun reports stored bytes: entries vanish mid-walk.
        Path folder = root.resolve("run");
        byte[] kept = new byte[1000];
        DurableFiles.write(folder.resolve("kept.bin"), kept);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                DurableFiles.write(folder.resolve("step-" + (i % 4) + ".bin"), new byte[10]);
            }
        });
        writer.start();
        try {
            for (int i = 0; i < 3000; i++) {
                long bytes = DurableFiles.bytesUnder(folder);
                assertTrue(bytes >= kept.length, "counted " + bytes);
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertEquals(kept.length + 4 * 10, DurableFiles.bytesUnder(folder));
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }
}
