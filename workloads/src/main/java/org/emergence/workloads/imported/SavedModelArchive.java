package org.emergence.workloads.imported;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A TensorFlow SavedModel directory as one byte array (an uncompressed zip, the checkpoint's
 * {@code import.archive}), and back. Only the files a SavedModel holds are taken, by their path
 * inside it ({@link #FILE}); the pattern has no '..', no leading '/' and no other folder, so
 * neither packing nor unpacking can reach outside the directory. Links are never followed.
 */
public final class SavedModelArchive {

    /** The model's graph and signatures. */
    public static final String GRAPH = "saved_model.pb";
    /** A file of a SavedModel, by its path inside the directory. */
    public static final Pattern FILE = Pattern.compile("saved_model\\.pb|fingerprint\\.pb|variables/variables\\.index"
            + "|variables/variables\\.data-\\d{5}-of-\\d{5}|assets/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    private SavedModelArchive() {
    }

    /**
     * The directory's files, packed; IllegalArgumentException naming a file a SavedModel does not
     * hold, a link, a missing saved_model.pb, or more than {@code maxBytes} in all.
     */
    public static byte[] pack(Path directory, long maxBytes) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path file : walk.sorted().toList()) {
                String path = directory.relativize(file).toString().replace('\\', '/');
                if (Files.isSymbolicLink(file)) {
                    throw new IllegalArgumentException("holds the link " + path + "; a SavedModel holds plain files only");
                }
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    if (!FILE.matcher(path).matches()) {
                        throw new IllegalArgumentException("holds " + path + ", which is no file of a SavedModel "
                                + "(saved_model.pb, fingerprint.pb, variables/variables.index, variables/variables.data-*, assets/*)");
                    }
                    files.add(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the SavedModel " + directory, e);
        }
        if (!files.contains(directory.resolve(GRAPH))) {
            throw new IllegalArgumentException("lacks " + GRAPH);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long total = 0;
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Path file : files) {
                total += Files.size(file);
                if (total > maxBytes) {
                    throw new IllegalArgumentException("holds more than " + maxBytes + " bytes, the limit on one checkpoint");
                }
                byte[] bytes = Files.readAllBytes(file);
                // Stored, not deflated: variables barely compress, and the archive is unpacked at every load.
                ZipEntry entry = new ZipEntry(directory.relativize(file).toString().replace('\\', '/'));
                CRC32 crc = new CRC32();
                crc.update(bytes);
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(bytes.length);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(bytes);
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack the SavedModel " + directory, e);
        }
        return out.toByteArray();
    }

    /** Writes the archive's files under {@code directory} (which must exist and be empty). */
    public static void unpack(byte[] archive, Path directory) {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                if (!FILE.matcher(entry.getName()).matches()) {
                    throw new IllegalArgumentException("the SavedModel archive holds " + entry.getName()
                            + ", which is no file of a SavedModel");
                }
                Path file = directory.resolve(entry.getName());
                Files.createDirectories(file.getParent());
                Files.write(file, zip.readAllBytes(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
        } catch (ZipException e) {
            throw new IllegalArgumentException("the SavedModel archive is not a readable zip: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the SavedModel into " + directory, e);
        }
    }

    /** Removes {@code directory} and everything under it. */
    static void remove(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + directory, e);
        }
    }
}
