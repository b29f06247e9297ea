package org.emergence.gateway.experiments;

import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ListExperimentsRequest;
import org.emergence.proto.v1.ListExperimentsResponse;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * List pages (ListExperiments, ListGroups): oldest first, ordered by (creation time, id) so the
 * order is total and stable while items are added. A page token is opaque to callers: the
 * position of the last item returned, base64url-encoded; the next page starts after it.
 */
public final class ExperimentPages {

    static final int DEFAULT_PAGE_SIZE = 50;
    static final int MAX_PAGE_SIZE = 1000;

    /** Where an item stands in the listing order. */
    record Position(long createdMillis, String id) implements Comparable<Position> {
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

    /** One page of items, and the token of the next page (empty on the last). */
    record Page<T>(List<T> items, String nextPageToken) {
    }

    private ExperimentPages() {
    }

    public static ListExperimentsResponse page(List<Experiment> experiments, ListExperimentsRequest request) {
        Page<Experiment> page = page(experiments, Position::of, request.getPageSize(), request.getPageToken());
        ListExperimentsResponse.Builder response = ListExperimentsResponse.newBuilder()
                .setNextPageToken(page.nextPageToken());
        page.items().forEach(e -> response.addExperiments(Reports.experiment(e)));
        return response.build();
    }

    static <T> Page<T> page(List<T> items, Function<T, Position> position, int pageSize, String pageToken) {
        if (pageSize < 0) {
            throw RequestException.invalid("page_size", "page_size must not be negative, got " + pageSize);
        }
        int size = pageSize == 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
        Position after = pageToken.isEmpty() ? null : decode(pageToken);
        List<T> rest = items.stream()
                .filter(item -> after == null || position.apply(item).compareTo(after) > 0)
                .sorted(Comparator.comparing(position)).toList();
        return new Page<>(rest.stream().limit(size).toList(),
                rest.size() > size ? encode(position.apply(rest.get(size - 1))) : "");
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
