package dev.deliberate.align.data;

import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.io.Jsonl;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a generation run produced, computed from its ledger (so a resumed run reports the whole run): prompts kept and
 * dropped by reason, samples by status, records per dataset, mean lengths of what was kept, and the generator's own
 * figures (shortest-rejection saving, pair counts).
 *
 * @param meanReasoningTokens mean CoT length of the kept samples (NaN if none)
 * @param meanAnswerTokens    mean answer length of the kept samples (NaN if none)
 * @param seconds             wall time of this invocation (a resumed run counts only its own part)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record GenerationSummary(String generator, int prompts, int kept, Map<String, Integer> dropped, Map<String, Integer> samples,
                                Map<String, Integer> records, double meanReasoningTokens, double meanAnswerTokens,
                                Map<String, Object> figures, double seconds) {
    public static final String FILE = "summary.json";

    /** Prompt and sample tallies from the ledger; the mean lengths are those of each kept prompt's {@code kept_index} sample. */
    public static GenerationSummary of(String generator, List<PromptOutcome> outcomes, Map<String, Integer> records,
                                       Map<String, Object> figures, double seconds) {
        Map<String, Integer> dropped = new TreeMap<>(), samples = new TreeMap<>();
        int kept = 0, n = 0;
        long r = 0, a = 0;
        for (PromptOutcome o : outcomes) {
            if (o.kept()) kept++;
            else dropped.merge(o.outcome(), 1, Integer::sum);
            for (var s : o.samples()) samples.merge(s.status(), 1, Integer::sum);
            if (o.stats().get("kept_index") instanceof Number k) {
                for (var s : o.samples())
                    if (s.index() == k.intValue()) {
                        r += s.reasoningTokens();
                        a += s.answerTokens();
                        n++;
                    }
            }
        }
        return new GenerationSummary(generator, outcomes.size(), kept, dropped, samples, new LinkedHashMap<>(records),
                n == 0 ? Double.NaN : (double) r / n, n == 0 ? Double.NaN : (double) a / n, new LinkedHashMap<>(figures), seconds);
    }

    public void write(Path out) {
        try {
            AtomicFiles.writeString(out.resolve(FILE), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The run summary table a command prints at the end. */
    public String table() {
        var b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-34s %10s%n", generator + " run", ""));
        row(b, "prompts", prompts);
        row(b, "  kept", kept);
        dropped.forEach((k, v) -> row(b, "  dropped: " + k, v));
        int total = samples.values().stream().mapToInt(Integer::intValue).sum();
        row(b, "samples", total);
        samples.forEach((k, v) -> row(b, "  " + k, v));
        records.forEach((k, v) -> row(b, "records in " + k, v));
        b.append(String.format(Locale.ROOT, "%-34s %10.1f%n", "mean CoT tokens (kept)", meanReasoningTokens));
        b.append(String.format(Locale.ROOT, "%-34s %10.1f%n", "mean answer tokens (kept)", meanAnswerTokens));
        figures.forEach((k, v) -> b.append(String.format(Locale.ROOT, "%-34s %10s%n", k.replace('_', ' '),
                v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : String.valueOf(v))));
        b.append(String.format(Locale.ROOT, "%-34s %10.1f%n", "seconds", seconds));
        return b.toString();
    }

    private static void row(StringBuilder b, String label, int v) {
        b.append(String.format(Locale.ROOT, "%-34s %10d%n", label, v));
    }
}
