package org.emergence.workloads.imported;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A SavedModel directory packed and unpacked: only a SavedModel's own files, never a link, never outside the folder. */
class SavedModelArchiveTest {

    @TempDir
    Path folder;

    private Path savedModel() throws Exception {
        Path directory = Files.createDirectories(folder.resolve("step-1/variables"));
        Files.write(directory.resolveSibling("saved_model.pb"), new byte[] {8, 1, 2});
        Files.write(directory.resolve("variables.index"), new byte[] {3});
        Files.write(directory.resolve("variables.data-00000-of-00001"), new byte[] {4, 5});
        return directory.getParent();
    }

    @Test
    void aPackedDirectoryUnpacksToTheSameFiles() throws Exception {
        Path directory = savedModel();
        Path into = Files.createDirectories(folder.resolve("into"));
        SavedModelArchive.unpack(SavedModelArchive.pack(directory, 1 << 20), into);
        for (String file : new String[] {"saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001"}) {
            assertArrayEquals(Files.readAllBytes(directory.resolve(file)), Files.readAllBytes(into.resolve(file)), file);
        }
    }

    @Test
    void otherFilesLinksAndOversizedDirectoriesAreRefused() throws Exception {
        Path directory = savedModel();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SavedModelArchive.pack(directory, 5))
                .getMessage().contains("more than 5 bytes"));
        Files.write(directory.resolve("notes.txt"), new byte[] {1});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SavedModelArchive.pack(directory, 1 << 20))
                .getMessage().contains("notes.txt"));
        Files.delete(directory.resolve("notes.txt"));
        Files.createSymbolicLink(directory.resolve("assets"), folder);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SavedModelArchive.pack(directory, 1 << 20))
                .getMessage().contains("link"));
    }

    @Test
    void anArchiveEntryOutsideTheLayoutIsRefusedBeforeItIsWritten() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("../escaped.pb"));
            zip.write(1);
            zip.closeEntry();
        }
        Path into = Files.createDirectories(folder.resolve("into"));
        assertThrows(IllegalArgumentException.class, () -> SavedModelArchive.unpack(bytes.toByteArray(), into));
        assertFalse(Files.exists(folder.resolve("escaped.pb")));
    }
}
