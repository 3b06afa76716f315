package dev.deliberate.align.llm;

import java.util.List;

/**
 * One sampled token as OpenAI's {@code logprobs.content[i]} describes it: its text, its log-probability under the
 * model's distribution (before temperature and top-p), its UTF-8 bytes (a byte-level token may be part of a
 * character), and the likeliest alternatives at that position, most likely first.
 */
public record TokenLogprob(String token, double logprob, byte[] bytes, List<TokenLogprob> top) {
    public TokenLogprob {
        top = top == null ? List.of() : List.copyOf(top);
    }
}
