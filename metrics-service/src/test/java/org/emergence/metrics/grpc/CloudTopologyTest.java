package org.emergence.metrics.grpc;

import io.grpc.Status;
import org.emergence.proto.grpc.InternalChannels;
import io.grpc.StatusRuntimeException;
import org.emergence.metrics.clouds.CloudSpec;
import org.emergence.metrics.clouds.PointCloud;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Topology when the tda service is down: UNAVAILABLE, without its address, and no scalars half-written. */
class CloudTopologyTest {

    @Test
    void anUnreachableTdaServiceIsUnavailableWithoutItsAddress() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String target = "localhost:" + closed;
        PointCloud.Points triangle = new PointCloud.Points(new CloudSpec("triangle", CloudSpec.Representation.OUTPUTS,
                "", CloudSpec.Construction.RAW, 1, 1, 200), new double[][] {{0, 0}, {1, 0}, {0, 1}});
        Map<String, Double> scalars = new HashMap<>();
        try (CloudTopology topology = new CloudTopology(InternalChannels.open(), target, Duration.ofSeconds(5))) {
            RequestException e = assertThrows(RequestException.class, () -> topology.persistence(triangle, scalars));
            StatusRuntimeException status = Calls.toStatus(e);
            assertEquals(Status.Code.UNAVAILABLE, status.getStatus().getCode(), status.toString());
            String description = status.getStatus().getDescription();
            assertTrue(description.contains("triangle"), description);
            assertFalse(description.contains(String.valueOf(closed)), "no address: " + description);
        }
        assertTrue(scalars.isEmpty(), scalars.toString());
    }
}
