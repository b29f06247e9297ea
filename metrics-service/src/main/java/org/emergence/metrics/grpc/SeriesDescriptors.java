package org.emergence.metrics.grpc;

import org.emergence.metrics.series.SeriesCatalogue;
import org.emergence.metrics.series.SeriesEntry;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.DescribeSeriesRequest;
import org.emergence.proto.v1.DescribeSeriesResponse;
import org.emergence.proto.v1.SeriesDescriptor;

import java.util.Optional;

/** DescribeSeries: the series catalogue's entries in the contract's form. */
final class SeriesDescriptors {

    /** Ids one request may name: each is a catalogue lookup, the answer one descriptor. */
    static final int MAX_IDS = 1000;

    private SeriesDescriptors() {
    }

    static DescribeSeriesResponse describe(DescribeSeriesRequest request) {
        if (request.getIdsCount() > MAX_IDS) {
            throw RequestException.invalid("ids", "ids has " + request.getIdsCount()
                    + " entries, at most " + MAX_IDS);
        }
        DescribeSeriesResponse.Builder response = DescribeSeriesResponse.newBuilder();
        if (request.getIdsCount() == 0) {
            SeriesCatalogue.entries().forEach(entry -> response.addSeries(descriptor(entry)));
            return response.build();
        }
        for (String id : request.getIdsList()) {
            Optional<SeriesEntry> entry = SeriesCatalogue.describe(id);
            if (entry.isPresent()) {
                response.addSeries(descriptor(entry.get()));
            } else {
                response.addUnknownIds(id);
            }
        }
        return response.build();
    }

    static SeriesDescriptor descriptor(SeriesEntry entry) {
        return SeriesDescriptor.newBuilder().setId(entry.id()).setDisplayName(entry.displayName()).setUnit(entry.unit())
                .setGroup(entry.group().displayName()).setHeadline(entry.headline())
                .setDescription(entry.description()).build();
    }
}
