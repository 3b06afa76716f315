package dev.deliberate.align.eval.harness;

import dev.deliberate.align.attack.Attack;
import dev.deliberate.align.eval.bench.BenchmarkItem;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.util.List;
import java.util.Objects;

/**
 * One (benchmark item, attack) cell of a run: what is sent and what the scorer needs to know about it.
 *
 * @param attack   the family applied, null for the plain prompt
 * @param world    SpecWorld's labelled prompt, attacked when {@code attack} is set (null for other benchmarks)
 * @param item     the public or user benchmark item, un-attacked (null for SpecWorld)
 * @param messages the conversation sent to the model
 */
public record EvalCase(EvalBenchmark benchmark, String itemId, String itemLabel, String promptType, Attack attack,
                       LabelledPrompt world, BenchmarkItem item, List<Message> messages) {

    public EvalCase {
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(itemId, "itemId");
        messages = List.copyOf(messages);
        if ((world == null) == (item == null)) throw new IllegalArgumentException("a case has either a SpecWorld prompt or a benchmark item");
    }

    public String attackName() {
        return attack == null ? LabelledPrompt.NO_ATTACK : attack.name();
    }

    /** {@code none}, {@code seen} or {@code held-out}. */
    public String attackSplit() {
        return attack == null ? "none" : attack.heldOut() ? "held-out" : "seen";
    }

    /** The user message as sent. */
    public String prompt() {
        return messages.getLast().content();
    }

    /**
     * {@code benchmark/item/attack/sample@hash}: the hash is of the conversation as sent, so a rerun after the item's
     * text changed (an edited benchmark file, another spec excerpt) runs it again instead of keeping the old result.
     */
    public String key(int sample) {
        return EvalResult.key(benchmark.name(), itemId, attackName(), sample) + "@" + contentHash();
    }

    private String contentHash() {
        try {
            var sha = java.security.MessageDigest.getInstance("SHA-256");
            for (Message m : messages) {
                sha.update(m.role().name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(m.content().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return java.util.HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
