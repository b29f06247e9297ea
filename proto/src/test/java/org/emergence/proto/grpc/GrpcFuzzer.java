package org.emergence.proto.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A seeded, descriptor-driven fuzzer for any gRPC service: it builds random requests from each
 * method's input descriptor (extreme numbers, NaN, unknown enum numbers, long strings, large
 * bytes, long repeated fields, tensors whose shape lies about their data), sends them over a real
 * channel as raw bytes with a deadline, and checks every answer is one a well-behaved service may
 * give to a malformed request. Streaming answers are cancelled after the first message, so a
 * request that happens to be valid starts only a little work.
 */
public final class GrpcFuzzer {

    /** The codes a service may answer a random request with. */
    public static final Set<Status.Code> ACCEPTABLE = Set.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
            Status.Code.RESOURCE_EXHAUSTED, Status.Code.NOT_FOUND, Status.Code.FAILED_PRECONDITION,
            Status.Code.UNAUTHENTICATED);

    /** The system property that sets the cases per method (e.g. -Demergence.fuzz.cases=1000). */
    public static final String CASES_PROPERTY = "emergence.fuzz.cases";
    /** The system property that replaces a test's seed, to replay a failure it printed. */
    public static final String SEED_PROPERTY = "emergence.fuzz.seed";
    private static final int DEFAULT_CASES = 200;

    private static final long DEADLINE_SECONDS = 10;
    private static final int MAX_DEPTH = 5;
    private static final long[] INTS = {0, 1, -1, 2, 3, 7, 64, 1000, Integer.MAX_VALUE, Integer.MIN_VALUE,
            Long.MAX_VALUE, Long.MIN_VALUE, 2_000_000_000L};
    private static final double[] DOUBLES = {0, 1, -1, 0.5, 1e-300, 1e300, Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE, -0.0};

    /**
     * What a status description must never show a caller: a stack frame, a fully qualified
     * exception class, or an internal address (host:port, an IPv4 address, a dns:/// target).
     */
    private static final Pattern LEAK = Pattern.compile("\\bat [a-z][\\w$]*(\\.[\\w$]+)+\\(|\\.java:\\d+"
            + "|\\b[a-z]+(\\.[a-z0-9_]+)+\\.[A-Z]\\w*(Exception|Error)\\b|\\blocalhost:\\d+|\\b\\d{1,3}(\\.\\d{1,3}){3}\\b"
            + "|dns:///");

    private final Random random;
    private final long seed;
    private final Channel channel;
    private final boolean strict;

    /** The cases per method: {@link #CASES_PROPERTY}, 200 unless set. */
    public static int cases() {
        return cases(DEFAULT_CASES);
    }

    /** {@link #CASES_PROPERTY} where set, else {@code own}: for a fuzz test that runs more than 200. */
    public static int cases(int own) {
        return Integer.getInteger(CASES_PROPERTY, own);
    }

    /** {@code own}, or {@link #SEED_PROPERTY} where set (plus {@code offset}, so several fuzzers of one test differ). */
    public static long seed(long own, int offset) {
        String replay = System.getProperty(SEED_PROPERTY);
        return replay == null || replay.isBlank() ? own + offset : Long.parseLong(replay.trim()) + offset;
    }

    public GrpcFuzzer(Channel channel, long seed) {
        this(channel, seed, false);
    }

    /**
     * @param strict also send corrupt bytes (bit flips, truncations, trailing garbage of valid
     *               and random messages), and count as a failure any description that leaks a
     *               stack trace or an internal address: for a service that faces the outside
     */
    public GrpcFuzzer(Channel channel, long seed, boolean strict) {
        this.channel = channel;
        this.seed = seed;
        this.random = new Random(seed);
        this.strict = strict;
    }

    /**
     * Fuzzes {@code service} on the loopback port {@code port} with {@code cases} per method over a
     * channel of its own (taking answers up to 64 MiB), asserting as {@link #fuzzAndAssert}.
     */
    public static List<MethodReport> fuzzLoopback(int port, long seed, ServiceDescriptor service, int cases,
                                                  Set<Status.Code> alsoAcceptable) throws Exception {
        return fuzzLoopback(port, seed, service, cases, alsoAcceptable, Map.of());
    }

    /**
     * As {@link #fuzzLoopback(int, long, ServiceDescriptor, int, Set)}; a third of the cases of a
     * method named in {@code examples} are its valid example with one or two fields changed, so the
     * fuzz reaches past the first validation into the work itself.
     */
    public static List<MethodReport> fuzzLoopback(int port, long seed, ServiceDescriptor service, int cases,
                                                  Set<Status.Code> alsoAcceptable, Map<String, Message> examples)
            throws Exception {
        return fuzzLoopback(port, seed, service, cases, alsoAcceptable, examples, false);
    }

    /** As above; {@code strict} as in {@link #GrpcFuzzer(Channel, long, boolean)}. */
    public static List<MethodReport> fuzzLoopback(int port, long seed, ServiceDescriptor service, int cases,
                                                  Set<Status.Code> alsoAcceptable, Map<String, Message> examples,
                                                  boolean strict) throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        try {
            return new GrpcFuzzer(channel, seed, strict).fuzzAndAssert(service, cases, alsoAcceptable, examples);
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * What one method answered: how many cases, which codes, the slowest refusal (any answer but
     * OK) in milliseconds, and the cases that broke the contract.
     */
    public record MethodReport(String method, int cases, Map<Status.Code, Integer> codes, long slowestRefusalMillis,
                               List<String> failures) {
        @Override
        public String toString() {
            return method + ": " + cases + " cases, codes " + codes + ", slowest refusal " + slowestRefusalMillis + " ms"
                    + (failures.isEmpty() ? "" : ", FAILURES " + failures.size() + ": " + failures.subList(0,
                    Math.min(3, failures.size())));
        }
    }

    /**
     * Sends {@code cases} random requests to every method of {@code service}, prints a line per
     * method, and asserts every answer was acceptable (or in {@code alsoAcceptable}, e.g.
     * UNAVAILABLE where a backend is absent by design) and the service is still SERVING.
     */
    public List<MethodReport> fuzzAndAssert(ServiceDescriptor service, int cases, Set<Status.Code> alsoAcceptable,
                                            Map<String, Message> examples) throws Exception {
        List<MethodReport> reports = fuzz(service, cases, alsoAcceptable, examples);
        reports.forEach(System.out::println);
        List<String> failures = reports.stream().flatMap(r -> r.failures().stream().map(f -> r.method() + ": " + f))
                .toList();
        String replay = " (seed " + seed + ", " + cases + " cases per method; replay with -D" + SEED_PROPERTY
                + "=" + seed + " -D" + CASES_PROPERTY + "=" + cases + ")";
        assertTrue(failures.isEmpty(), failures.size() + " unacceptable answers" + replay + ", first: "
                + failures.subList(0, Math.min(5, failures.size())));
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(channel),
                "still serving after the fuzz" + replay);
        return reports;
    }

    public List<MethodReport> fuzz(ServiceDescriptor service, int cases, Set<Status.Code> alsoAcceptable,
                                   Map<String, Message> examples) throws Exception {
        Descriptors.ServiceDescriptor proto =
                ((ProtoServiceDescriptorSupplier) service.getSchemaDescriptor()).getServiceDescriptor();
        List<MethodReport> reports = new ArrayList<>();
        for (Descriptors.MethodDescriptor method : proto.getMethods()) {
            Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
            List<String> failures = new ArrayList<>();
            long slowestRefusal = 0;
            for (int i = 0; i < cases; i++) {
                List<DynamicMessage> messages = new ArrayList<>();
                int count = method.isClientStreaming() ? 1 + random.nextInt(4) : 1;
                Message example = examples.get(method.getName());
                for (int m = 0; m < count; m++) {
                    messages.add(example != null && random.nextInt(3) == 0
                            // Parsed, not copied: nested fields must be DynamicMessages too.
                            ? mutated(DynamicMessage.parseFrom(example.getDescriptorForType(), example.toByteString()),
                            1 + random.nextInt(2))
                            : message(method.getInputType(), 0));
                }
                List<byte[]> bytes = new ArrayList<>();
                boolean corrupt = strict && random.nextInt(3) == 0;
                for (DynamicMessage message : messages) {
                    bytes.add(corrupt ? corrupted(message.toByteArray()) : message.toByteArray());
                }
                long started = System.nanoTime();
                Status status = call(method, bytes);
                if (!status.isOk()) {
                    slowestRefusal = Math.max(slowestRefusal, (System.nanoTime() - started) / 1_000_000);
                }
                codes.merge(status.getCode(), 1, Integer::sum);
                String sent = (corrupt ? "corrupt bytes of " : "") + abbreviate(messages.toString());
                if (!ACCEPTABLE.contains(status.getCode()) && !alsoAcceptable.contains(status.getCode())) {
                    failures.add(status + " for " + sent);
                } else if (strict && status.getDescription() != null && LEAK.matcher(status.getDescription()).find()) {
                    failures.add("a description that leaks internals, " + status + ", for " + sent);
                }
            }
            reports.add(new MethodReport(method.getName(), cases, codes, slowestRefusal, failures));
        }
        return reports;
    }

    /** One call: OK once the first response came (then the call is cancelled), else the status it closed with. */
    private Status call(Descriptors.MethodDescriptor method, List<byte[]> messages)
            throws InterruptedException, ExecutionException {
        MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(method.isClientStreaming()
                        ? (method.isServerStreaming() ? MethodDescriptor.MethodType.BIDI_STREAMING
                        : MethodDescriptor.MethodType.CLIENT_STREAMING)
                        : (method.isServerStreaming() ? MethodDescriptor.MethodType.SERVER_STREAMING
                        : MethodDescriptor.MethodType.UNARY))
                .setFullMethodName(MethodDescriptor.generateFullMethodName(method.getService().getFullName(),
                        method.getName()))
                .setRequestMarshaller(RawBytes.INSTANCE).setResponseMarshaller(RawBytes.INSTANCE).build();
        ClientCall<byte[], byte[]> call = channel.newCall(descriptor,
                CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
        CompletableFuture<Status> outcome = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                outcome.complete(Status.OK);
                call.cancel("the fuzzer needs only the first response", null);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                outcome.complete(status);
            }
        }, new Metadata());
        call.request(1);
        for (byte[] message : messages) {
            call.sendMessage(message);
        }
        call.halfClose();
        try {
            return outcome.get(DEADLINE_SECONDS + 5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            call.cancel("no answer after the deadline", null);
            // Not a contract answer: the service neither answered nor honoured the caller's deadline.
            return Status.UNKNOWN.withDescription("no answer 5 s after the caller's deadline of " + DEADLINE_SECONDS + " s");
        }
    }

    /** {@code bytes} with a few bits flipped, cut short, or with garbage after them: mostly no valid message. */
    private byte[] corrupted(byte[] bytes) {
        int pick = bytes.length == 0 ? 2 : random.nextInt(3);
        if (pick == 0) {
            byte[] flipped = bytes.clone();
            for (int flips = 1 + random.nextInt(8); flips > 0; flips--) {
                flipped[random.nextInt(flipped.length)] ^= (byte) (1 << random.nextInt(8));
            }
            return flipped;
        }
        if (pick == 1) {
            return java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
        }
        byte[] garbage = new byte[1 + random.nextInt(64)];
        random.nextBytes(garbage);
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + garbage.length);
        System.arraycopy(garbage, 0, longer, bytes.length, garbage.length);
        return longer;
    }

    /** A random message of {@code type}: most fields left unset or extreme, so most cases are malformed. */
    public DynamicMessage message(Descriptors.Descriptor type, int depth) {
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
        if (isTensor(type) && random.nextInt(3) == 0) {
            return consistentTensor(builder, type);
        }
        for (Descriptors.FieldDescriptor field : type.getFields()) {
            if (random.nextInt(5) < 2) {
                continue;
            }
            if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE && depth >= MAX_DEPTH) {
                continue;
            }
            if (field.isMapField() || field.isRepeated()) {
                int count = repeatCount(field, depth);
                for (int i = 0; i < count; i++) {
                    builder.addRepeatedField(field, value(field, depth));
                }
            } else {
                builder.setField(field, value(field, depth));
            }
        }
        return builder.build();
    }

    /** {@code message} with {@code changes} fields replaced by random values, at any depth. */
    private DynamicMessage mutated(DynamicMessage message, int changes) {
        DynamicMessage out = message;
        for (int i = 0; i < changes; i++) {
            out = mutatedOnce(out, 0);
        }
        return out;
    }

    private DynamicMessage mutatedOnce(DynamicMessage message, int depth) {
        List<Descriptors.FieldDescriptor> set = new ArrayList<>(message.getAllFields().keySet());
        DynamicMessage.Builder builder = message.toBuilder();
        boolean descend = !set.isEmpty() && random.nextBoolean();
        Descriptors.FieldDescriptor field = descend ? set.get(random.nextInt(set.size()))
                : message.getDescriptorForType().getFields().get(random.nextInt(
                message.getDescriptorForType().getFields().size()));
        boolean nested = field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE;
        if (field.isRepeated()) {
            int count = builder.getRepeatedFieldCount(field);
            if (count > 0 && nested && descend) {
                int index = random.nextInt(count);
                builder.setRepeatedField(field, index,
                        mutatedOnce((DynamicMessage) builder.getRepeatedField(field, index), depth + 1));
            } else if (count > 0 && random.nextBoolean()) {
                builder.setRepeatedField(field, random.nextInt(count), value(field, depth));
            } else {
                builder.addRepeatedField(field, value(field, depth));
            }
        } else if (nested && descend && message.hasField(field)) {
            builder.setField(field, mutatedOnce((DynamicMessage) message.getField(field), depth + 1));
        } else {
            builder.setField(field, value(field, depth));
        }
        return builder.build();
    }

    /** Mostly a few elements; now and then very many, but only at the top level so a case stays a few MB. */
    private int repeatCount(Descriptors.FieldDescriptor field, int depth) {
        int pick = depth > 1 ? 2 : random.nextInt(20);
        // Very many only of numbers: very many long strings or byte fields would exceed any message limit.
        if (pick == 0 && field.getJavaType() != Descriptors.FieldDescriptor.JavaType.MESSAGE
                && field.getJavaType() != Descriptors.FieldDescriptor.JavaType.STRING
                && field.getJavaType() != Descriptors.FieldDescriptor.JavaType.BYTE_STRING) {
            return 10_000 + random.nextInt(50_000);
        }
        if (pick == 1) {
            return 100 + random.nextInt(400);
        }
        return random.nextInt(5);
    }

    private Object value(Descriptors.FieldDescriptor field, int depth) {
        return switch (field.getJavaType()) {
            case INT -> (int) integer();
            case LONG -> integer();
            case FLOAT -> (float) real();
            case DOUBLE -> real();
            case BOOLEAN -> random.nextBoolean();
            case STRING -> string();
            case BYTE_STRING -> bytes();
            case ENUM -> enumValue(field.getEnumType());
            case MESSAGE -> message(field.getMessageType(), depth + 1);
        };
    }

    private long integer() {
        return random.nextInt(3) == 0 ? random.nextInt(20) : INTS[random.nextInt(INTS.length)];
    }

    private double real() {
        return random.nextInt(3) == 0 ? random.nextGaussian() : DOUBLES[random.nextInt(DOUBLES.length)];
    }

    private String string() {
        return switch (random.nextInt(6)) {
            case 0 -> "";
            case 1 -> "x".repeat(10_000 + random.nextInt(100_000));
            case 2 -> "../../etc/passwd";
            case 3 -> "\u0000\uD83D\uDE00 é/\\%s";
            default -> "run-" + random.nextInt(10);
        };
    }

    private ByteString bytes() {
        int size = switch (random.nextInt(8)) {
            case 0 -> 1_000_000 + random.nextInt(2_000_000);
            case 1, 2 -> random.nextInt(100_000);
            default -> random.nextInt(64);
        };
        byte[] data = new byte[size];
        random.nextBytes(data);
        return ByteString.copyFrom(data);
    }

    private Descriptors.EnumValueDescriptor enumValue(Descriptors.EnumDescriptor type) {
        if (random.nextInt(6) == 0) {
            return type.findValueByNumberCreatingIfUnknown(90 + random.nextInt(10));
        }
        return type.getValues().get(random.nextInt(type.getValues().size()));
    }

    private static boolean isTensor(Descriptors.Descriptor type) {
        return type.findFieldByName("shape") != null && type.findFieldByName("data") != null
                && type.findFieldByName("dtype") != null;
    }

    /**
     * A tensor whose bytes match its shape (float32 or float64), so validation passes and the
     * request reaches the service's own bounds; occasionally of a lying rank-2 shape with no data.
     */
    private DynamicMessage consistentTensor(DynamicMessage.Builder builder, Descriptors.Descriptor type) {
        Descriptors.FieldDescriptor shape = type.findFieldByName("shape");
        Descriptors.FieldDescriptor dtype = type.findFieldByName("dtype");
        Descriptors.FieldDescriptor data = type.findFieldByName("data");
        boolean doubles = random.nextBoolean();
        builder.setField(dtype, dtype.getEnumType().findValueByName(doubles ? "D_TYPE_FLOAT64" : "D_TYPE_FLOAT32"));
        if (random.nextInt(4) == 0) {
            builder.addRepeatedField(shape, random.nextBoolean() ? 200_000_000L : 0L);
            builder.addRepeatedField(shape, random.nextBoolean() ? 0L : 200_000_000L);
            return builder.build();
        }
        int rank = 1 + random.nextInt(3);
        long[] dims = new long[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = random.nextInt(4) == 0 ? 1 + random.nextInt(2000) : 1 + random.nextInt(12);
            if (elements * dims[i] > 500_000) {
                dims[i] = 1;
            }
            elements *= dims[i];
            builder.addRepeatedField(shape, dims[i]);
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) elements * (doubles ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < elements; i++) {
            double v = random.nextInt(50) == 0 ? DOUBLES[random.nextInt(DOUBLES.length)] : random.nextGaussian();
            if (doubles) {
                bytes.putDouble(v);
            } else {
                bytes.putFloat((float) v);
            }
        }
        builder.setField(data, ByteString.copyFrom(bytes.array()));
        return builder.build();
    }

    private static String abbreviate(String text) {
        String flat = text.replaceAll("\\s+", " ");
        return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
    }

    private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
