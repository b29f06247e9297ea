package org.emergence.gateway.experiments;

import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ListExperimentsRequest;
import org.emergence.proto.v1.ListExperimentsResponse;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * ListExperiments pages: oldest first, ordered by (creation time, id) so the order is total and
 * stable while experiments are added. A page token is opaque to callers: the position of the last
 * experiment returned, base64url-encoded; the next page starts after it.
 */
public final class ExperimentPages {

    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 1000;

    /** Where an experiment stands in the listing order. */
    private record Position(long createdMillis, String id) implements Comparable<Position> {
        private static final Comparator<Position> ORDER = Comparator.comparingLong(Position::createdMillis)
                .thenComparing(Position::id);

        static Position of(Experiment experiment) {
            return new Position(experiment.record().createdMillis(), experiment.record().id());
        }

        @Override
        public int compareTo(Position other) {
            return ORDER.compare(this, other);
        }
    }

    private ExperimentPages() {
    }

    public static ListExperimentsResponse page(List<Experiment> experiments, ListExperimentsRequest request) {
        if (request.getPageSize() < 0) {
            throw RequestException.invalid("page_size", "page_size must not be negative, got " + request.getPageSize());
        }
        int size = request.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : Math.min(request.getPageSize(), MAX_PAGE_SIZE);
        Position after = request.getPageToken().isEmpty() ? null : decode(request.getPageToken());
        List<Experiment> rest = experiments.stream()
                .filter(e -> after == null || Position.of(e).compareTo(after) > 0)
                .sorted(Comparator.comparing(Position::of)).toList();
        ListExperimentsResponse.Builder response = ListExperimentsResponse.newBuilder();
        rest.stream().limit(size).forEach(e -> response.addExperiments(Reports.experiment(e)));
        if (rest.size() > size) {
            response.setNextPageToken(encode(Position.of(rest.get(size - 1))));
        }
        return response.build();
    }

    private static String encode(Position last) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((last.createdMillis() + ":" + last.id()).getBytes(StandardCharsets.UTF_8));
    }

    private static Position decode(String token) {
        try {
            String position = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            int colon = position.indexOf(':');
            return new Position(Long.parseLong(position.substring(0, colon)), position.substring(colon + 1));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw RequestException.invalid("page_token", "page_token is not a token this API returned");
        }
    }
}
