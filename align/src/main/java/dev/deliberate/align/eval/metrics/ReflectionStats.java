package dev.deliberate.align.eval.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reflection statistics of chains of thought (SaRO §5): how often a CoT turns back on itself ("wait", "however",
 * re-checking a rule) and where in the chain it does. A CoT is split into steps at line breaks and then at sentence
 * ends; a marker occurrence in step i of n has relative position i/(n−1) (0 = first step, 1 = last; 0 when n = 1).
 * Markers match case-insensitively as whole words or phrases ("but" not in "button").
 */
public final class ReflectionStats {

    /** Self-correction cues and rule re-check phrases; pass another list to {@link #markers} to change it. */
    public static final List<String> DEFAULT_MARKERS = List.of(
            "wait", "however", "but", "actually", "let me reconsider", "on second thought", "hmm",
            "let me double-check", "double-check", "let me re-check", "re-check", "recheck", "let me re-read",
            "check the rule again", "re-read the rule", "looking at the rule again", "re-examine");

    private static final Pattern LINE = Pattern.compile("\\R");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");

    private final Pattern pattern;

    private ReflectionStats(Pattern pattern) {
        this.pattern = pattern;
    }

    public static ReflectionStats defaults() {
        return markers(DEFAULT_MARKERS);
    }

    /** Matches the given markers; longer phrases win over the words they contain. */
    public static ReflectionStats markers(List<String> markers) {
        if (markers.isEmpty()) throw new IllegalArgumentException("no reflection markers given");
        String alternatives = markers.stream()
                .map(m -> m.strip().toLowerCase(Locale.ROOT))
                .filter(m -> !m.isEmpty())
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                .map(Pattern::quote)
                .collect(Collectors.joining("|"));
        return new ReflectionStats(Pattern.compile("(?<![\\p{L}\\p{N}])(?:" + alternatives + ")(?![\\p{L}\\p{N}])",
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
    }

    /** The CoT's steps: non-blank lines, each split further at sentence ends. */
    public static List<String> steps(String cot) {
        var out = new ArrayList<String>();
        for (String line : LINE.split(cot)) {
            for (String s : SENTENCE_END.split(line.strip())) if (!s.isBlank()) out.add(s.strip());
        }
        return out;
    }

    /** One marker occurrence: which marker (lower-cased), in which 0-based step, and where that step sits. */
    public record Hit(String marker, int step, double relativePosition) {}

    public record Profile(int steps, List<Hit> hits) {
        public int count() {
            return hits.size();
        }
    }

    public Profile profile(String cot) {
        List<String> steps = steps(cot);
        var hits = new ArrayList<Hit>();
        int n = steps.size();
        for (int i = 0; i < n; i++) {
            Matcher m = pattern.matcher(steps.get(i));
            double pos = n == 1 ? 0 : (double) i / (n - 1);
            while (m.find()) hits.add(new Hit(m.group().toLowerCase(Locale.ROOT), i, pos));
        }
        return new Profile(n, hits);
    }

    /** One CoT to summarise, with its prompt and the prompt's type (harmful, jailbreak, benign look-alike, general). */
    public record Case(String promptId, String promptType, String cot) {
        public Case {
            Objects.requireNonNull(promptId, "promptId");
            Objects.requireNonNull(promptType, "promptType");
            Objects.requireNonNull(cot, "cot");
        }
    }

    /**
     * @param meanCount            markers per CoT
     * @param shareReflecting      CoTs with at least one marker
     * @param meanRelativePosition over all marker occurrences (empty if there are none)
     * @param meanSteps            steps per CoT
     * @param markerCounts         occurrences per marker
     */
    public record TypeSummary(Estimate meanCount, Estimate shareReflecting, Estimate meanRelativePosition,
                              Estimate meanSteps, Map<String, Integer> markerCounts) {}

    /** Per prompt type (sorted by name). */
    public Map<String, TypeSummary> summarize(List<Case> cases, Bootstrap bootstrap) {
        record Profiled(Case c, Profile p) {}
        var out = new TreeMap<String, TypeSummary>();
        var profiled = cases.stream().map(c -> new Profiled(c, profile(c.cot()))).toList();
        for (String type : profiled.stream().map(p -> p.c().promptType()).distinct().toList()) {
            var ofType = profiled.stream().filter(p -> p.c().promptType().equals(type)).toList();
            record Position(String promptId, double pos) {}
            var positions = ofType.stream()
                    .flatMap(p -> p.p().hits().stream().map(h -> new Position(p.c().promptId(), h.relativePosition())))
                    .toList();
            var counts = new TreeMap<String, Integer>();
            ofType.forEach(p -> p.p().hits().forEach(h -> counts.merge(h.marker(), 1, Integer::sum)));
            out.put(type, new TypeSummary(
                    bootstrap.clusteredMean(ofType, p -> p.c().promptId(), p -> p.p().count()),
                    bootstrap.clusteredMean(ofType, p -> p.c().promptId(), p -> p.p().count() > 0 ? 1 : 0),
                    bootstrap.clusteredMean(positions, Position::promptId, Position::pos),
                    bootstrap.clusteredMean(ofType, p -> p.c().promptId(), p -> p.p().steps()),
                    counts));
        }
        return out;
    }
}
