package org.emergence.gateway.experiments;

import org.emergence.proto.v1.GetGroupReportResponse;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Group;
import org.emergence.proto.v1.MemberTransitions;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesDescriptor;
import org.emergence.proto.v1.SeriesSpread;
import org.emergence.proto.v1.Transition;
import org.emergence.proto.v1.TransitionSpread;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A group's report from its members' own reports (Reports): each series as mean, sample standard
 * deviation, min and max across the members that have it, at the steps all of those share; each
 * member's transitions as its report detected them; and per series where the detected
 * transitions fall (mean, standard deviation, min and max of their steps).
 */
final class GroupReports {

    /** Mean, sample standard deviation (n - 1; 0 for one value), min and max. */
    record Spread(double mean, double std, double min, double max) {
        static Spread of(double[] values) {
            double sum = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double v : values) {
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double mean = sum / values.length;
            double squares = 0;
            for (double v : values) {
                squares += (v - mean) * (v - mean);
            }
            return new Spread(mean, values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0, min, max);
        }
    }

    private GroupReports() {
    }

    /** {@code reports} are the members' reports, in the order of {@code group}'s members. */
    static GetGroupReportResponse build(Group group, List<GetReportResponse> reports) {
        GetGroupReportResponse.Builder out = GetGroupReportResponse.newBuilder().setGroupId(group.getGroupId())
                .setName(group.getName()).setState(group.getState()).addAllMembers(group.getMembersList());
        Map<String, List<Series>> byName = new TreeMap<>();
        Map<String, List<Long>> transitionSteps = new TreeMap<>();
        Map<String, SeriesDescriptor> catalogue = new LinkedHashMap<>();
        for (GetReportResponse report : reports) {
            report.getSeriesList().forEach(s -> byName.computeIfAbsent(s.getName(), n -> new ArrayList<>()).add(s));
            out.addMemberTransitions(MemberTransitions.newBuilder().setExperimentId(report.getExperimentId())
                    .addAllTransitions(report.getTransitionsList()));
            for (Transition t : report.getTransitionsList()) {
                List<Long> steps = transitionSteps.computeIfAbsent(t.getSeries(), n -> new ArrayList<>());
                if (t.getDetected()) {
                    steps.add(t.getStep());
                }
            }
            report.getCatalogueList().forEach(d -> catalogue.putIfAbsent(d.getId(), d));
        }
        if (!reports.isEmpty()) {
            out.setReferenceSeries(reports.get(0).getReferenceSeries());
        }
        byName.forEach((name, series) -> out.addSeries(spread(name, series)));
        transitionSteps.forEach((name, steps) -> out.addTransitionSpread(transitionSpread(name, steps)));
        return out.addAllCatalogue(catalogue.values()).build();
    }

    private static SeriesSpread spread(String name, List<Series> members) {
        List<Map<Long, Double>> values = new ArrayList<>();
        TreeSet<Long> shared = null;
        for (Series s : members) {
            Map<Long, Double> byStep = new HashMap<>();
            for (int i = 0; i < s.getStepsCount(); i++) {
                byStep.put(s.getSteps(i), s.getValues(i));
            }
            values.add(byStep);
            if (shared == null) {
                shared = new TreeSet<>(byStep.keySet());
            } else {
                shared.retainAll(byStep.keySet());
            }
        }
        SeriesSpread.Builder out = SeriesSpread.newBuilder().setName(name).setMembers(members.size());
        for (long step : shared) {
            Spread spread = Spread.of(values.stream().mapToDouble(v -> v.get(step)).toArray());
            out.addSteps(step).addMean(spread.mean()).addStd(spread.std()).addMin(spread.min()).addMax(spread.max());
        }
        return out.build();
    }

    private static TransitionSpread transitionSpread(String series, List<Long> steps) {
        TransitionSpread.Builder out = TransitionSpread.newBuilder().setSeries(series).setDetected(steps.size());
        if (!steps.isEmpty()) {
            Spread spread = Spread.of(steps.stream().mapToDouble(Long::doubleValue).toArray());
            out.setMeanStep(spread.mean()).setStdStep(spread.std())
                    .setMinStep(Math.round(spread.min())).setMaxStep(Math.round(spread.max()));
        }
        return out.build();
    }
}
