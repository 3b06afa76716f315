package dev.deliberate.align.eval.metrics;

import java.util.List;
import java.util.Objects;

/** Mean reasoning and answer tokens per output, with prompt-resampled intervals; unknown counts (negative) are skipped. */
public final class TokenCounts {

    private TokenCounts() {}

    public record Usage(String promptId, int reasoningTokens, int answerTokens) {
        public Usage {
            Objects.requireNonNull(promptId, "promptId");
        }
    }

    /** @param unknown outputs whose counts were not reported (left out of both means) */
    public record Summary(Estimate meanReasoning, Estimate meanAnswer, int unknown) {}

    public static Summary of(List<Usage> usages, Bootstrap bootstrap) {
        var known = usages.stream().filter(u -> u.reasoningTokens() >= 0 && u.answerTokens() >= 0).toList();
        return new Summary(
                bootstrap.clusteredMean(known, Usage::promptId, Usage::reasoningTokens),
                bootstrap.clusteredMean(known, Usage::promptId, Usage::answerTokens),
                usages.size() - known.size());
    }
}
