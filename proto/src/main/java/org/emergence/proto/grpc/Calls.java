package org.emergence.proto.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.QuotaFailure;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;

import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place where failures become gRPC statuses, so every service answers alike: a
 * {@link RequestException} gets its own code (with a {@code google.rpc.BadRequest} field
 * violation on INVALID_ARGUMENT, a {@code google.rpc.QuotaFailure} on a quota reached), the
 * caller's cancellation or deadline gets CANCELLED or DEADLINE_EXCEEDED, a full queue
 * RESOURCE_EXHAUSTED, and anything else is a bug: INTERNAL with a generic message, the details in
 * the log. No stack trace, class name or downstream address ever reaches a caller.
 */
public final class Calls {

    private static final Logger LOG = Logger.getLogger(Calls.class.getName());
    /** Downstream codes a service may pass on unchanged (their descriptions are replaced). */
    private static final Set<Status.Code> PASSED_ON = Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
            Status.Code.RESOURCE_EXHAUSTED, Status.Code.FAILED_PRECONDITION, Status.Code.UNAVAILABLE,
            Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED, Status.Code.UNAUTHENTICATED);

    private static final int MAX_MESSAGE_CHARS = 1000;

    private Calls() {
    }

    /**
     * Runs {@code work} and answers with its result, or with the status its failure maps to. Errors
     * are caught too (out of memory, a class that failed to link): the caller gets a chosen code,
     * never UNKNOWN with the error's text.
     */
    public static <T> void unary(StreamObserver<T> observer, Supplier<T> work) {
        T result;
        try {
            result = work.get();
        } catch (RuntimeException | Error e) {
            observer.onError(toStatus(e));
            return;
        }
        observer.onNext(result);
        observer.onCompleted();
    }

    public static StatusRuntimeException toStatus(Throwable e) {
        if (e instanceof RequestException request) {
            return fromRequest(request);
        }
        if (e instanceof StatusRuntimeException downstream) {
            return fromDownstream(downstream);
        }
        if (e instanceof CancellationException) {
            Context context = Context.current();
            boolean deadline = context.getDeadline() != null && context.getDeadline().isExpired();
            return (deadline ? Status.DEADLINE_EXCEEDED : Status.CANCELLED)
                    .withDescription("stopped: " + e.getMessage()).asRuntimeException();
        }
        if (e instanceof RejectedExecutionException) {
            return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof OutOfMemoryError oom) {
            LOG.log(Level.SEVERE, "out of memory serving a call", e);
            HealthState.outOfMemory(oom);
            return Status.RESOURCE_EXHAUSTED.withDescription("the service ran out of memory; retry with a smaller request")
                    .asRuntimeException();
        }
        LOG.log(Level.SEVERE, "internal error", e);
        return Status.INTERNAL.withDescription("internal error").asRuntimeException();
    }

    private static StatusRuntimeException fromRequest(RequestException e) {
        String message = abbreviated(e.getMessage());
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(e.code().value()).setMessage(message);
        if (e.code() == Status.Code.INVALID_ARGUMENT && !e.field().isEmpty()) {
            status.addDetails(Any.pack(BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
                    .setField(abbreviated(e.field())).setDescription(message)).build()));
        }
        if (e.code() == Status.Code.RESOURCE_EXHAUSTED && !e.field().isEmpty()) {
            status.addDetails(Any.pack(QuotaFailure.newBuilder().addViolations(QuotaFailure.Violation.newBuilder()
                    .setSubject(e.field()).setDescription(message)).build()));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    /**
     * A message short enough for the trailers (clients refuse headers over a few KiB by default,
     * and messages may quote the caller's input, such as a 100 KB run id).
     */
    private static String abbreviated(String message) {
        return message.length() <= MAX_MESSAGE_CHARS ? message : message.substring(0, MAX_MESSAGE_CHARS) + "...";
    }

    /**
     * A failure of a call this service made: codes that mean the same to our caller pass on with
     * their google.rpc details (a bad field of a forwarded request stays a bad field), but the
     * description is kept only for INVALID_ARGUMENT and NOT_FOUND (which name the caller's own
     * input); anything else becomes UNAVAILABLE or INTERNAL without downstream text.
     */
    private static StatusRuntimeException fromDownstream(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (!PASSED_ON.contains(code)) {
            LOG.log(Level.WARNING, "downstream call failed", e);
            return Status.INTERNAL.withDescription("internal error").asRuntimeException();
        }
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        boolean keepsText = code == Status.Code.INVALID_ARGUMENT || code == Status.Code.NOT_FOUND;
        String description = keepsText && e.getStatus().getDescription() != null ? e.getStatus().getDescription()
                : switch (code) {
                    case UNAVAILABLE -> "a backend service is unavailable; retry later";
                    case RESOURCE_EXHAUSTED -> "a backend service is at capacity; retry later";
                    case DEADLINE_EXCEEDED -> "a backend call ran out of time";
                    default -> code.name().toLowerCase().replace('_', ' ');
                };
        com.google.rpc.Status.Builder out = com.google.rpc.Status.newBuilder().setCode(Code.forNumber(code.value()).getNumber())
                .setMessage(description);
        if (details != null && keepsText) {
            out.addAllDetails(details.getDetailsList());
        }
        return StatusProto.toStatusRuntimeException(out.build());
    }

    /** Throws {@link CancellationException} once the caller has cancelled or its deadline passed. */
    public static void checkNotCancelled() {
        Context context = Context.current();
        if (context.isCancelled()) {
            throw new CancellationException(context.getDeadline() != null && context.getDeadline().isExpired()
                    ? "deadline exceeded" : "cancelled by the caller");
        }
    }

    /** Requires a non-blank field. */
    public static String required(String value, String field) {
        if (value == null || value.isBlank()) {
            throw RequestException.invalid(field, field + " is required");
        }
        return value;
    }

    /**
     * Runs a validation of user input written in plain Java (which throws IllegalArgumentException
     * naming what is wrong) and reports its failure as INVALID_ARGUMENT on {@code field}.
     */
    public static <T> T validated(String field, Supplier<T> validation) {
        try {
            return validation.get();
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid(field, e);
        }
    }
}
