package org.emergence.gateway.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CheckpointRef;

import java.util.List;
import java.util.function.BiPredicate;
import java.util.logging.Logger;

/**
 * Serves an internal service's whole contract at the gateway, under the same service name (so
 * the generated stubs work against either), by forwarding each call to the backend: every kind of
 * call (unary, server, client and bidirectional streaming) message by message with flow control
 * both ways, the caller's deadline and cancellation passed on. The gateway adds what the internal
 * services do not do: the caller is authenticated (by {@link TenantAuthentication}), a checkpoint
 * named by reference anywhere in a request must be one of the caller's own runs (else NOT_FOUND,
 * as for another tenant's experiment), and the backend's own address never reaches the caller.
 */
final class MeasurementForwarding {

    private static final Logger LOG = Logger.getLogger(MeasurementForwarding.class.getName());

    private MeasurementForwarding() {
    }

    /**
     * The service definition of {@code service} that forwards to {@code backend}.
     *
     * @param ownsRun whether a run id belongs to a tenant
     * @param backendName how errors name the backend, e.g. "the metrics service"
     */
    static ServerServiceDefinition forward(ServiceDescriptor service, Channel backend, BiPredicate<String, String> ownsRun,
                                           String backendName) {
        ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service);
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            definition.addMethod(method(method, backend, ownsRun, backendName));
        }
        return definition.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> method(MethodDescriptor<Q, R> method, Channel backend,
                                                             BiPredicate<String, String> ownsRun, String backendName) {
        return ServerMethodDefinition.create(method, new Forwarder<>(method, backend, ownsRun, backendName));
    }

    /** Every checkpoint reference in {@code message}, however deep, must be one of {@code tenant}'s runs. */
    static void checkReferences(Message message, String tenant, BiPredicate<String, String> ownsRun) {
        if (message instanceof CheckpointRef ref) {
            if (!ownsRun.test(ref.getRunId(), tenant)) {
                throw RequestException.notFound("run " + ref.getRunId() + " not found");
            }
            return;
        }
        for (var entry : message.getAllFields().entrySet()) {
            FieldDescriptor field = entry.getKey();
            if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (field.isRepeated()) {
                for (Object element : (List<?>) entry.getValue()) {
                    if (element instanceof Message nested) {
                        checkReferences(nested, tenant, ownsRun);
                    }
                }
            } else {
                checkReferences((Message) entry.getValue(), tenant, ownsRun);
            }
        }
    }

    /** One forwarded call: the caller's side ({@code ServerCall}) piped to the backend's ({@code ClientCall}). */
    private static final class Forwarder<Q, R> implements ServerCallHandler<Q, R> {
        private final MethodDescriptor<Q, R> method;
        private final Channel backend;
        private final BiPredicate<String, String> ownsRun;
        private final String backendName;

        Forwarder(MethodDescriptor<Q, R> method, Channel backend, BiPredicate<String, String> ownsRun, String backendName) {
            this.method = method;
            this.backend = backend;
            this.ownsRun = ownsRun;
            this.backendName = backendName;
        }

        @Override
        public ServerCall.Listener<Q> startCall(ServerCall<Q, R> caller, Metadata headers) {
            String tenant = TenantAuthentication.TENANT.get();
            CallOptions options = CallOptions.DEFAULT;
            if (Context.current().getDeadline() != null) {
                options = options.withDeadline(Context.current().getDeadline());
            }
            ClientCall<Q, R> call = backend.newCall(method, options);
            Pipe pipe = new Pipe(caller, call);
            // The caller's headers (its token) stay at the gateway.
            call.start(pipe.backendListener(), new Metadata());
            caller.request(1);
            call.request(1);
            return pipe.callerListener(tenant);
        }

        /**
         * Flow control both ways: a message is asked for on one side only when the other can take it.
         * Both calls are driven from two threads (the caller's and the backend's), and neither call
         * object may be used by two at once: every use holds the pipe's lock.
         */
        private final class Pipe {
            private final ServerCall<Q, R> caller;
            private final ClientCall<Q, R> call;
            private boolean callerWaiting;
            private boolean backendWaiting;
            private boolean closed;

            Pipe(ServerCall<Q, R> caller, ClientCall<Q, R> call) {
                this.caller = caller;
                this.call = call;
            }

            ServerCall.Listener<Q> callerListener(String tenant) {
                return new ServerCall.Listener<>() {
                    @Override
                    public void onMessage(Q message) {
                        synchronized (Pipe.this) {
                            if (closed) {
                                return;
                            }
                        }
                        try {
                            checkReferences((Message) message, tenant, ownsRun);
                        } catch (RequestException e) {
                            // The caller's status first: cancelling the backend call closes it too, and
                            // that CANCELLED must not be what the caller reads.
                            close(Calls.toStatus(e));
                            synchronized (Pipe.this) {
                                call.cancel("refused at the gateway", null);
                            }
                            return;
                        }
                        synchronized (Pipe.this) {
                            call.sendMessage(message);
                            if (call.isReady()) {
                                caller.request(1);
                            } else {
                                callerWaiting = true;
                            }
                        }
                    }

                    @Override
                    public void onHalfClose() {
                        synchronized (Pipe.this) {
                            // A refused call is already cancelled on the backend: nothing more goes there.
                            if (!closed) {
                                call.halfClose();
                            }
                        }
                    }

                    @Override
                    public void onCancel() {
                        synchronized (Pipe.this) {
                            call.cancel("the caller cancelled", null);
                        }
                    }

                    @Override
                    public void onReady() {
                        synchronized (Pipe.this) {
                            if (backendWaiting) {
                                backendWaiting = false;
                                call.request(1);
                            }
                        }
                    }
                };
            }

            ClientCall.Listener<R> backendListener() {
                return new ClientCall.Listener<>() {
                    @Override
                    public void onHeaders(Metadata headers) {
                        synchronized (Pipe.this) {
                            caller.sendHeaders(new Metadata());
                        }
                    }

                    @Override
                    public void onMessage(R message) {
                        synchronized (Pipe.this) {
                            caller.sendMessage(message);
                            if (caller.isReady()) {
                                call.request(1);
                            } else {
                                backendWaiting = true;
                            }
                        }
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        close(new StatusRuntimeException(outward(status), outwardTrailers(status, trailers)));
                    }

                    @Override
                    public void onReady() {
                        synchronized (Pipe.this) {
                            if (callerWaiting) {
                                callerWaiting = false;
                                caller.request(1);
                            }
                        }
                    }
                };
            }

            private synchronized void close(StatusRuntimeException status) {
                if (!closed) {
                    closed = true;
                    caller.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
                }
            }
        }

        /**
         * The backend's status as the caller may see it. The internal services choose their codes and
         * texts on purpose (Calls); what the gateway's own client side makes up when the backend
         * cannot be reached or runs out of time names its address, so those codes get a plain
         * sentence instead. A backend's UNAUTHENTICATED can only be the service credential (the
         * caller's token was checked here): the gateway's misconfiguration, not the caller's.
         */
        private Status outward(Status status) {
            return switch (status.getCode()) {
                case UNAVAILABLE -> Status.UNAVAILABLE.withDescription(backendName + " is unavailable; retry later");
                case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED.withDescription(backendName + " ran out of time");
                case UNAUTHENTICATED -> {
                    LOG.warning(backendName + " refused the gateway's call: is emergence.service-credential the same on every service?");
                    yield Status.INTERNAL.withDescription("internal error");
                }
                case UNKNOWN, INTERNAL -> Status.INTERNAL.withDescription("internal error");
                default -> Status.fromCode(status.getCode()).withDescription(status.getDescription());
            };
        }

        private static Metadata outwardTrailers(Status status, Metadata trailers) {
            return switch (status.getCode()) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN, INTERNAL, UNAUTHENTICATED -> new Metadata();
                default -> trailers;
            };
        }
    }
}
