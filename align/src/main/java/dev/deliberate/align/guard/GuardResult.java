package dev.deliberate.align.guard;

import dev.deliberate.align.spec.Style;

import java.util.List;
import java.util.Map;

/**
 * The guard's reading of one input against the spec: what {@code POST /v1/moderations} returns per input.
 *
 * @param flagged        the spec's decision is not plain compliance (refuse or safe-complete)
 * @param categories     per spec category id: flagged in that category
 * @param categoryScores per spec category id: the share of readable reasoner samples that flagged it, in [0, 1]
 * @param category       the category the reasoner settled on (null = none of the spec's)
 * @param ruleIds        the spec rule ids the reasoning cites that decide it
 * @param decision       the spec's decision for this input; null when no sample could be read
 * @param reasoning      the policy reasoning of the first readable sample (its chain of thought and reply)
 * @param samples        how many reasoner samples were drawn
 * @param failures       how many of them could not be read; when all failed, {@link #failure} says why
 * @param failure        null unless no sample was readable: a guard failure, its own outcome (never "not flagged")
 */
public record GuardResult(boolean flagged, Map<String, Boolean> categories, Map<String, Double> categoryScores, String category,
                          List<String> ruleIds, Style decision, String reasoning, int samples, int failures, String failure) {
    public GuardResult {
        categories = Map.copyOf(categories);
        categoryScores = Map.copyOf(categoryScores);
        ruleIds = List.copyOf(ruleIds);
        if (failure != null && flagged) throw new IllegalArgumentException("a failed reading cannot be flagged");
    }

    public boolean failed() {
        return failure != null;
    }
}
