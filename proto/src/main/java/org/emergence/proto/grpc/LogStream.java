package org.emergence.proto.grpc;

import io.grpc.stub.ServerCallStreamObserver;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A server stream that follows an append-only log with flow control: it sends the next entries
 * only while the client's transport is ready and resumes when it is ready again, so a slow or
 * vanished client costs a cursor into the log, not a buffer of its own.
 */
public final class LogStream<T> {

    private final ServerCallStreamObserver<T> stream;
    private final Object lock;
    private final List<T> log;
    private final BooleanSupplier finished;
    private int cursor;
    private boolean done;

    private LogStream(ServerCallStreamObserver<T> stream, Object lock, List<T> log, BooleanSupplier finished) {
        this.stream = stream;
        this.lock = lock;
        this.log = log;
        this.finished = finished;
    }

    /**
     * Follows {@code log} (guarded by {@code lock}, which the writer holds while appending) until
     * {@code finished} and every entry is sent, or the client cancels. Call from the RPC method.
     */
    public static <T> LogStream<T> follow(ServerCallStreamObserver<T> stream, Object lock, List<T> log,
                                          BooleanSupplier finished) {
        LogStream<T> follower = new LogStream<>(stream, lock, log, finished);
        stream.setOnCancelHandler(() -> {
            synchronized (lock) {
                follower.done = true;
            }
        });
        stream.setOnReadyHandler(follower::drain);
        follower.drain();
        return follower;
    }

    /** Sends what the client can take now; the writer calls it after each append and at the end. */
    public void drain() {
        synchronized (lock) {
            while (!done && cursor < log.size() && stream.isReady()) {
                stream.onNext(log.get(cursor++));
            }
            if (!done && cursor == log.size() && finished.getAsBoolean()) {
                done = true;
                stream.onCompleted();
            }
        }
    }

    /** Whether the stream has ended (completed or cancelled). */
    public boolean done() {
        synchronized (lock) {
            return done;
        }
    }
}
