package org.emergence.proto.grpc;

import io.grpc.Status;

/**
 * The one exception a service throws on purpose: it carries the status the caller gets and, for
 * bad input, the request field at fault. Whatever else escapes a call is a bug and reaches the
 * caller as INTERNAL with a generic message ({@link Calls#toStatus}).
 */
public final class RequestException extends RuntimeException {

    private final Status.Code code;
    private final String field;

    private RequestException(Status.Code code, String field, String description, Throwable cause) {
        super(description, cause, false, false);
        this.code = code;
        this.field = field;
    }

    /** INVALID_ARGUMENT: {@code field} (a request path such as {@code config.steps}) is wrong; the description says how. */
    public static RequestException invalid(String field, String description) {
        return new RequestException(Status.Code.INVALID_ARGUMENT, field, description, null);
    }

    /** INVALID_ARGUMENT from a validation that failed with {@code cause}, its message kept. */
    public static RequestException invalid(String field, IllegalArgumentException cause) {
        String message = cause.getMessage() == null ? "is not valid" : cause.getMessage();
        return new RequestException(Status.Code.INVALID_ARGUMENT, field,
                message.startsWith(field) ? message : field + ": " + message, cause);
    }

    /** NOT_FOUND: the thing named does not exist (or belongs to another tenant). */
    public static RequestException notFound(String description) {
        return new RequestException(Status.Code.NOT_FOUND, "", description, null);
    }

    /** RESOURCE_EXHAUSTED: the service's capacity is short right now; retry later. */
    public static RequestException exhausted(String description) {
        return new RequestException(Status.Code.RESOURCE_EXHAUSTED, "", description, null);
    }

    /**
     * RESOURCE_EXHAUSTED because the caller reached a quota (not the service's capacity): the
     * status carries a {@code google.rpc.QuotaFailure} naming {@code quota}; the description
     * says the limit and the current use.
     */
    public static RequestException quotaExceeded(String quota, String description) {
        return new RequestException(Status.Code.RESOURCE_EXHAUSTED, quota, description, null);
    }

    /** FAILED_PRECONDITION: the request is well-formed but the system is not in a state to serve it. */
    public static RequestException failedPrecondition(String description) {
        return new RequestException(Status.Code.FAILED_PRECONDITION, "", description, null);
    }

    /** UNAUTHENTICATED: no valid credential came with the call. */
    public static RequestException unauthenticated(String description) {
        return new RequestException(Status.Code.UNAUTHENTICATED, "", description, null);
    }

    /** UNAVAILABLE: a service this one depends on cannot be reached; retrying is safe. */
    public static RequestException unavailable(String description) {
        return new RequestException(Status.Code.UNAVAILABLE, "", description, null);
    }

    /**
     * The same error for a message reused under another field: settings checked as {@code settings}
     * of one request and as {@code llc} of another name the field the caller actually sent.
     */
    public RequestException underField(String from, String to) {
        if (!field.equals(from) && !field.startsWith(from + ".")) {
            return this;
        }
        String message = getMessage() == null ? "" : getMessage();
        return new RequestException(code, to + field.substring(from.length()),
                message.startsWith(from) ? to + message.substring(from.length()) : message, getCause());
    }

    public Status.Code code() {
        return code;
    }

    /** The request field at fault (INVALID_ARGUMENT), or the quota reached (RESOURCE_EXHAUSTED); else empty. */
    public String field() {
        return field;
    }
}
