package org.emergence.proto.grpc;

import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A request whose bytes do not parse as its message is answered INVALID_ARGUMENT. grpc-java
 * parses a request before any interceptor sees it and answers a parse failure UNKNOWN
 * ("Application error processing RPC"); here the request marshaller hands on a marker message
 * instead of throwing, and the call is closed when the marker arrives, before the service sees it.
 */
public final class MalformedRequests {

    private MalformedRequests() {
    }

    /** {@code service} with every method guarded; the same names and schema (reflection still lists it). */
    public static ServerServiceDefinition guard(ServerServiceDefinition service) {
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            methods.add(guard(method));
        }
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getServiceDescriptor().getName())
                .setSchemaDescriptor(service.getServiceDescriptor().getSchemaDescriptor());
        methods.forEach(method -> descriptor.addMethod(method.getMethodDescriptor()));
        ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(guarded::addMethod);
        return guarded.build();
    }

    @SuppressWarnings("unchecked")
    private static <Q, R> ServerMethodDefinition<Q, R> guard(ServerMethodDefinition<Q, R> definition) {
        MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
        MethodDescriptor.Marshaller<Q> strict = method.getRequestMarshaller();
        Q empty = strict.parse(new ByteArrayInputStream(new byte[0]));
        if (!(empty instanceof Message message)) {
            return definition;
        }
        // A fresh instance: no parse returns this very object, so identity tells the marker apart.
        Q malformed = (Q) message.toBuilder().build();
        // Still a prototype marshaller, as protobuf's are: the HTTP mapping and reflection read the request type from it.
        MethodDescriptor.PrototypeMarshaller<Q> tolerant = new MethodDescriptor.PrototypeMarshaller<>() {
            @Override
            public Q getMessagePrototype() {
                return empty;
            }

            @Override
            public Class<Q> getMessageClass() {
                return (Class<Q>) empty.getClass();
            }

            @Override
            public InputStream stream(Q value) {
                return strict.stream(value);
            }

            @Override
            public Q parse(InputStream stream) {
                try {
                    return strict.parse(stream);
                } catch (RuntimeException e) {
                    return malformed;
                }
            }
        };
        String type = message.getDescriptorForType().getFullName();
        ServerCallHandler<Q, R> handler = definition.getServerCallHandler();
        return ServerMethodDefinition.create(method.toBuilder(tolerant, method.getResponseMarshaller()).build(),
                (call, headers) -> new Refusing<>(handler.startCall(call, headers), call, malformed, type));
    }

    /** Passes the call on until a malformed message arrives; then closes it and passes nothing more. */
    private static final class Refusing<Q, R> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {

        private final ServerCall<Q, R> call;
        private final Q malformed;
        private final String type;
        private boolean refused;

        Refusing(ServerCall.Listener<Q> delegate, ServerCall<Q, R> call, Q malformed, String type) {
            super(delegate);
            this.call = call;
            this.malformed = malformed;
            this.type = type;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            if (message == malformed) {
                refused = true;
                call.close(Status.INVALID_ARGUMENT.withDescription("the request is not a valid " + type
                        + ": its bytes do not parse"), new Metadata());
                return;
            }
            super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                super.onHalfClose();
            }
        }

        @Override
        public void onReady() {
            if (!refused) {
                super.onReady();
            }
        }
    }
}
