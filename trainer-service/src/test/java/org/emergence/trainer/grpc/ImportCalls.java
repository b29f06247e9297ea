package org.emergence.trainer.grpc;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.v1.GetRunRequest;
import org.emergence.proto.v1.ImportFileChunk;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.ImportHeader;
import org.emergence.proto.v1.ImportRunRequest;
import org.emergence.proto.v1.ImportRunResponse;
import org.emergence.proto.v1.TrainerServiceGrpc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ImportRun client for the import tests (a header, then each file in two chunks), and what a
 * refused import must leave: neither a run nor a staged file.
 */
final class ImportCalls {

    record Upload(String path, byte[] bytes) {
    }

    private ImportCalls() {
    }

    static long total(List<Upload> files) {
        return files.stream().mapToLong(file -> file.bytes().length).sum();
    }

    static ImportRunResponse importRun(ManagedChannel channel, String runId, ImportFormat format, List<Upload> files,
                                       long declaredBytes) throws Exception {
        return importRun(channel, runId, ImportHeader.newBuilder().setFormat(format).setTotalBytes(declaredBytes), files);
    }

    /** Sends {@code header} (its file count set to the files') and each file in two chunks. */
    static ImportRunResponse importRun(ManagedChannel channel, String runId, ImportHeader.Builder header, List<Upload> files)
            throws Exception {
        CompletableFuture<ImportRunResponse> result = new CompletableFuture<>();
        StreamObserver<ImportRunRequest> requests = TrainerServiceGrpc.newStub(channel)
                .importRun(GrpcChecks.firstResponseInto(result));
        requests.onNext(ImportRunRequest.newBuilder().setRunId(runId).setHeader(header.setFileCount(files.size())).build());
        for (Upload file : files) {
            int half = file.bytes().length / 2;
            requests.onNext(chunk(file.path(), 0, Arrays.copyOfRange(file.bytes(), 0, half), false));
            requests.onNext(chunk(file.path(), half, Arrays.copyOfRange(file.bytes(), half, file.bytes().length), true));
        }
        requests.onCompleted();
        try {
            return result.get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    static ImportRunRequest chunk(String path, long offset, byte[] data, boolean last) {
        return ImportRunRequest.newBuilder().setChunk(ImportFileChunk.newBuilder().setPath(path).setOffset(offset)
                .setData(ByteString.copyFrom(data)).setLast(last)).build();
    }

    /** The import is INVALID_ARGUMENT saying {@code says}, and leaves no trace of {@code runId}. */
    static void assertRefused(ManagedChannel channel, Path checkpointRoot, String runId, String says,
                              org.junit.jupiter.api.function.Executable importCall) throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, importCall);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(says), e.getStatus().getDescription());
        assertFalse(Files.exists(checkpointRoot.resolve(runId)), "no run folder remains");
        assertThrows(StatusRuntimeException.class, () -> TrainerServiceGrpc.newBlockingStub(channel)
                .getRun(GetRunRequest.newBuilder().setRunId(runId).build()));
        assertNothingStaged(checkpointRoot);
    }

    static void assertNothingStaged(Path checkpointRoot) throws Exception {
        // The staging folder of a refused import goes before the answer; a good one's once stored.
        Path imports = checkpointRoot.resolve(".imports");
        for (int i = 0; i < 50 && Files.exists(imports) && Files.list(imports).findAny().isPresent(); i++) {
            Thread.sleep(100);
        }
        assertTrue(!Files.exists(imports) || Files.list(imports).findAny().isEmpty(), "nothing staged remains");
    }
}
