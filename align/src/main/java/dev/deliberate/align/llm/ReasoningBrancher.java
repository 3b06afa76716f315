package dev.deliberate.align.llm;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Continues one chain of thought two ways from a shared prefix, for SaRO's process-level pairs (PP-COT): the chosen
 * chain reflects at the branch step, the rejected one drifts on (or reflects a step later). A teacher that can branch
 * its own reasoning exactly (SpecWorld's scripted teacher replays a course) offers one through
 * {@link ChatModel#reasoningBrancher}; any other model is branched by continuing a prefix of a sampled chain.
 */
public interface ReasoningBrancher {

    /** A chain of thought as steps (paragraphs), and its answer. */
    record Chain(List<String> steps, String answer) {
        public Chain {
            steps = List.copyOf(steps);
            Objects.requireNonNull(answer, "answer");
        }

        public String reasoning() {
            return String.join("\n\n", steps);
        }

        /** As a completion; lengths are whitespace words, like the scripted teacher's usage. */
        public Completion completion() {
            int r = words(reasoning()), a = words(answer);
            return new Completion(reasoning(), answer, "stop", new Completion.Usage(-1, r + a, r));
        }

        private static int words(String s) {
            return s.isBlank() ? 0 : s.strip().split("\\s+").length;
        }
    }

    /** The two continuations of one prefix, each a full chain; {@code rejectedKind} is {@code drift} or {@code late-reflection}. */
    record Branches(Chain chosen, Chain rejected, String rejectedKind) {}

    /** Steps of the chain being branched; branch steps are drawn from 1 … steps − 1. */
    int steps();

    /**
     * Two full chains sharing exactly their first {@code step} steps: the chosen reflects at {@code step}, the rejected
     * drifts on (or reflects later). Empty when this chain cannot be branched there.
     *
     * @param late whether the rejected side should reflect late rather than drift (a brancher that cannot may drift)
     */
    Optional<Branches> branch(int step, boolean late, long seed);

    /** What made the branches, for a pair's provenance ({@code scripted-course}, {@code prefix-continuation}, …). */
    String method();
}
