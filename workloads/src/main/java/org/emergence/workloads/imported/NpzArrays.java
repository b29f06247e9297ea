package org.emergence.workloads.imported;

import org.emergence.workloads.checkpoint.NamedTensor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * NumPy's npz files (np.savez, np.savez_compressed): a zip of {@code .npy} arrays, read strictly
 * and without NumPy. Only little-endian, C-ordered arrays of the dtypes {@link NamedTensor}
 * knows; anything else is an IllegalArgumentException naming the array. Decompressed bytes are
 * counted against a limit, so a small compressed file cannot inflate without bound.
 */
public final class NpzArrays {

    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Map<String, String> DTYPES = Map.of(
            "<f2", "float16", "<f4", "float32", "<f8", "float64", "|i1", "int8", "|u1", "uint8",
            "<i4", "int32", "<i8", "int64", "|b1", "bool");
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpzArrays() {
    }

    /** The arrays of an npz file by name (without {@code .npy}), in file order. */
    public static Map<String, NamedTensor> read(byte[] file, long maxBytes) {
        if (file.length < 4 || file[0] != 'P' || file[1] != 'K') {
            throw new IllegalArgumentException("is not an npz file (no zip signature PK at its start)");
        }
        Map<String, NamedTensor> arrays = new LinkedHashMap<>();
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(file))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                String name = entry.getName();
                if (!name.endsWith(".npy")) {
                    throw new IllegalArgumentException("holds " + name + ", not an .npy array");
                }
                byte[] bytes = readBounded(zip, maxBytes - total, name);
                total += bytes.length;
                String array = name.substring(0, name.length() - 4);
                if (arrays.put(array, npy(array, bytes)) != null) {
                    throw new IllegalArgumentException("holds " + array + " twice");
                }
            }
        } catch (ZipException e) {
            throw new IllegalArgumentException("is not a readable npz file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("is truncated or corrupt: " + e.getMessage(), e);
        }
        if (arrays.isEmpty()) {
            throw new IllegalArgumentException("holds no arrays (truncated?)");
        }
        return arrays;
    }

    private static byte[] readBounded(ZipInputStream zip, long budget, String name) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        for (int n; (n = zip.read(buffer)) > 0; ) {
            if (out.size() + (long) n > budget) {
                throw new IllegalArgumentException("array " + name + " decompresses past the import's byte limit");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** An uncompressed npz file (np.savez's form) of {@code arrays}, for tests and benchmarks that write data. */
    public static byte[] write(Map<String, NamedTensor> arrays) {
        Map<String, String> descrs = new java.util.HashMap<>();
        DTYPES.forEach((descr, dtype) -> descrs.put(dtype, descr));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out)) {
            for (Map.Entry<String, NamedTensor> entry : arrays.entrySet()) {
                NamedTensor tensor = entry.getValue();
                String shape = java.util.Arrays.stream(tensor.shape()).mapToObj(Long::toString)
                        .collect(java.util.stream.Collectors.joining(", ")) + (tensor.shape().length == 1 ? "," : "");
                StringBuilder header = new StringBuilder("{'descr': '" + descrs.get(tensor.dtype())
                        + "', 'fortran_order': False, 'shape': (" + shape + "), }");
                while ((10 + header.length() + 1) % 64 != 0) {
                    header.append(' ');
                }
                header.append('\n');
                zip.putNextEntry(new ZipEntry(entry.getKey() + ".npy"));
                zip.write(NPY_MAGIC);
                zip.write(new byte[] {1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
                zip.write(header.toString().getBytes(StandardCharsets.ISO_8859_1));
                zip.write(tensor.data());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("an in-memory zip failed", e);
        }
        return out.toByteArray();
    }

    /** One .npy array: magic, version, header length, a Python dict literal, then the data. */
    static NamedTensor npy(String name, byte[] bytes) {
        for (int i = 0; i < NPY_MAGIC.length; i++) {
            if (bytes.length <= i || bytes[i] != NPY_MAGIC[i]) {
                throw new IllegalArgumentException("array " + name + " is not an .npy array (wrong magic)");
            }
        }
        if (bytes.length < 10) {
            throw new IllegalArgumentException("array " + name + " is truncated");
        }
        int major = bytes[6];
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerStart = major == 1 ? 10 : 12;
        long headerLength = major == 1 ? Short.toUnsignedInt(buffer.getShort(8)) : Integer.toUnsignedLong(buffer.getInt(8));
        if (major < 1 || major > 3 || headerStart + headerLength > bytes.length) {
            throw new IllegalArgumentException("array " + name + " has a malformed .npy header");
        }
        String header = new String(bytes, headerStart, (int) headerLength, StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, name, "descr");
        String dtype = DTYPES.get(descr.replace('=', '<'));
        if (descr.contains("O")) {
            throw new IllegalArgumentException("array " + name + " is an object array (dtype " + descr
                    + "): its data are a pickle, which Emergence never unpickles; save numeric arrays");
        }
        if (dtype == null) {
            throw new IllegalArgumentException("array " + name + " has dtype " + descr + "; supported: " + DTYPES.keySet());
        }
        if (group(FORTRAN, header, name, "fortran_order").equals("True")) {
            throw new IllegalArgumentException("array " + name + " is Fortran-ordered; save it C-ordered (np.ascontiguousarray)");
        }
        String[] dims = group(SHAPE, header, name, "shape").split(",");
        long[] shape = java.util.Arrays.stream(dims).map(String::trim).filter(d -> !d.isEmpty())
                .mapToLong(d -> parseDimension(d, name)).toArray();
        int dataStart = headerStart + (int) headerLength;
        byte[] data = java.util.Arrays.copyOfRange(bytes, dataStart, bytes.length);
        try {
            return new NamedTensor(name, dtype, shape, data);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException("array " + name + " is truncated or malformed: " + e.getMessage(), e);
        }
    }

    private static long parseDimension(String dimension, String name) {
        try {
            return Long.parseLong(dimension.replace("L", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("array " + name + " has a malformed shape", e);
        }
    }

    private static String group(Pattern pattern, String header, String name, String key) {
        Matcher match = pattern.matcher(header);
        if (!match.find()) {
            throw new IllegalArgumentException("array " + name + " has no " + key + " in its .npy header");
        }
        return match.group(1);
    }
}
