package org.emergence.system;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on a JDK HttpServer: keeps every span it is sent. The requests
 * (ExportTraceServiceRequest, protobuf) are decoded by their field numbers as the OTLP spec
 * (opentelemetry/proto/trace/v1/trace.proto) gives them, without generated classes.
 */
final class OtlpReceiver implements AutoCloseable {

    /** One received span: the service that sent it (resource service.name), its ids as hex, its name and string attributes. */
    record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name,
                        Map<String, String> attributes) {
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new ArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/traces", this::export);
        server.start();
    }

    /** The endpoint the exporters are pointed at (they add /v1/traces). */
    String endpoint() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    synchronized List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    private void export(HttpExchange exchange) throws IOException {
        try (exchange) {
            InputStream body = exchange.getRequestBody();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new GZIPInputStream(body);
            }
            List<ReceivedSpan> received = decode(body.readAllBytes());
            synchronized (this) {
                spans.addAll(received);
            }
            // An empty ExportTraceServiceResponse: everything accepted.
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
        }
    }

    /** ExportTraceServiceRequest: 1 resource_spans { 1 resource { 1 attributes }, 2 scope_spans { 2 spans } }. */
    static List<ReceivedSpan> decode(byte[] request) throws InvalidProtocolBufferException {
        List<ReceivedSpan> out = new ArrayList<>();
        for (ByteString resourceSpans : field(UnknownFieldSet.parseFrom(request), 1)) {
            UnknownFieldSet rs = UnknownFieldSet.parseFrom(resourceSpans);
            String service = "";
            for (ByteString resource : field(rs, 1)) {
                service = attributes(UnknownFieldSet.parseFrom(resource), 1).getOrDefault("service.name", "");
            }
            for (ByteString scopeSpans : field(rs, 2)) {
                for (ByteString span : field(UnknownFieldSet.parseFrom(scopeSpans), 2)) {
                    // Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 9 attributes.
                    UnknownFieldSet s = UnknownFieldSet.parseFrom(span);
                    out.add(new ReceivedSpan(service, hex(s, 1), hex(s, 2), hex(s, 4), string(s, 5), attributes(s, 9)));
                }
            }
        }
        return out;
    }

    /** KeyValue { 1 key, 2 AnyValue { 1 string_value, 3 int_value } }: string and integer values, as text. */
    private static Map<String, String> attributes(UnknownFieldSet message, int number)
            throws InvalidProtocolBufferException {
        Map<String, String> out = new HashMap<>();
        for (ByteString keyValue : field(message, number)) {
            UnknownFieldSet kv = UnknownFieldSet.parseFrom(keyValue);
            for (ByteString value : field(kv, 2)) {
                UnknownFieldSet any = UnknownFieldSet.parseFrom(value);
                if (any.hasField(1)) {
                    out.put(string(kv, 1), string(any, 1));
                } else if (any.hasField(3)) {
                    out.put(string(kv, 1), String.valueOf(any.getField(3).getVarintList().get(0)));
                }
            }
        }
        return out;
    }

    private static List<ByteString> field(UnknownFieldSet message, int number) {
        return message.hasField(number) ? message.getField(number).getLengthDelimitedList() : List.of();
    }

    private static String string(UnknownFieldSet message, int number) {
        List<ByteString> values = field(message, number);
        return values.isEmpty() ? "" : values.get(0).toStringUtf8();
    }

    private static String hex(UnknownFieldSet message, int number) {
        List<ByteString> values = field(message, number);
        return values.isEmpty() ? "" : HexFormat.of().formatHex(values.get(0).toByteArray());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
