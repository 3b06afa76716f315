package dev.deliberate.align.training;

import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.engine.tokenizer.AssistantMask;
import dev.deliberate.engine.tokenizer.ChatMessage;
import dev.deliberate.engine.tokenizer.ChatTemplate;
import dev.deliberate.engine.tokenizer.Tokenizer;
import dev.deliberate.engine.train.PreferenceExample;
import dev.deliberate.engine.train.TokenizedExample;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Our datasets as the trainers' token sequences, through the model's chat template: an SFT conversation learns
 * exactly its assistant tokens ({@link AssistantMask}); a preference pair shares the prompt rendered with the
 * generation prompt, and each response is what the template appends after it.
 */
public record ChatExamples(Tokenizer tokenizer, ChatTemplate template, int maxSeqLen) {

    public ChatExamples {
        if (maxSeqLen < 2) throw new IllegalArgumentException("max sequence length must be >= 2, got " + maxSeqLen);
    }

    static List<ChatMessage> messages(List<Turn> turns) {
        return turns.stream().map(t -> new ChatMessage(t.role(), t.content())).toList();
    }

    /** Completion-only SFT: the assistant turns are learned; truncated to {@code maxSeqLen}. */
    public TokenizedExample sft(SftRecord r) {
        var m = AssistantMask.of(tokenizer, template, messages(r.messages()));
        return new TokenizedExample(m.ids(), m.mask()).truncate(maxSeqLen);
    }

    /** Pretraining on a plain document: every token learned, EOS appended; truncated to {@code maxSeqLen}. */
    public TokenizedExample document(String text) {
        int[] ids = tokenizer.encode(text, false);
        int[] withEos = Arrays.copyOf(ids, ids.length + 1);
        withEos[ids.length] = tokenizer.specialTokens().eos();
        return TokenizedExample.plain(withEos).truncate(maxSeqLen);
    }

    /** SFT records that still learn something after truncation (the others are counted by the caller). */
    public List<TokenizedExample> sft(List<SftRecord> records) {
        var out = new ArrayList<TokenizedExample>();
        for (SftRecord r : records) {
            var e = sft(r);
            if (e.targets() > 0) out.add(e);
        }
        return out;
    }

    /** The prompt turns as the model sees them at inference: rendered with the generation prompt. */
    public int[] prompt(List<Turn> turns) {
        return tokenizer.encode(template.render(messages(turns), true), false);
    }

    /**
     * A preference pair: each response's ids are those of the whole conversation (prompt + that response) after the
     * prompt's ids, so the end-of-turn token is learned too. Responses are cut to fit {@code maxSeqLen}.
     */
    public PreferenceExample preference(PreferenceRecord r) {
        int[] prompt = prompt(r.prompt());
        if (prompt.length >= maxSeqLen) prompt = Arrays.copyOfRange(prompt, prompt.length - maxSeqLen / 2, prompt.length);
        return new PreferenceExample(prompt, response(r.prompt(), r.chosen(), prompt), response(r.prompt(), r.rejected(), prompt));
    }

    /** The learned span of the conversation prompt + response: the response turn and its end-of-turn token. */
    private int[] response(List<Turn> promptTurns, List<Turn> responseTurns, int[] prompt) {
        var all = new ArrayList<>(promptTurns);
        all.addAll(responseTurns);
        var m = AssistantMask.of(tokenizer, template, messages(all));
        int from = -1, to = -1;
        for (int i = 0; i < m.mask().length; i++)
            if (m.mask()[i] == 1) {
                if (from < 0) from = i;
                to = i + 1;
            }
        if (from < 0) throw new IllegalArgumentException("the response has no assistant tokens");
        int keep = Math.max(1, Math.min(to - from, maxSeqLen - prompt.length));
        return Arrays.copyOfRange(m.ids(), from, from + keep);
    }

    public List<PreferenceExample> preferences(List<PreferenceRecord> records) {
        return records.stream().map(this::preference).toList();
    }
}
