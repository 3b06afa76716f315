package dev.deliberate.align.demo;

import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.engine.generate.Generation;
import dev.deliberate.engine.tokenizer.ChatMessage;
import dev.deliberate.engine.tokenizer.ChatTemplate;
import dev.deliberate.engine.tokenizer.HfTokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * How the student reads and writes text: a conversation rendered with the tokenizer's ChatML template up to the
 * assistant header is the prompt; the assistant turn ({@code <think>CoT</think>\n\nanswer} or a bare answer) is
 * encoded on its own and closed by {@code <|im_end|>}, exactly the tokens the student emits at inference.
 */
record StudentTokens(HfTokenizer tokenizer, ChatTemplate template, int endOfTurn, int thinkClose) {

    static StudentTokens of(HfTokenizer tokenizer) {
        var sp = tokenizer.specialTokens();
        if (sp.imEnd() < 0) throw new IllegalArgumentException(tokenizer + " has no <|im_end|> token; the student's tokenizer must be a ChatML one");
        return new StudentTokens(tokenizer, tokenizer.chatTemplate().orElseGet(ChatTemplate::chatMl), sp.imEnd(), sp.thinkClose());
    }

    int[] prompt(List<Message> messages) {
        var chat = messages.stream().map(m -> new ChatMessage(m.role().wire(), m.content())).toList();
        return tokenizer.encode(template.render(chat, true), false);
    }

    /** The assistant turn's tokens, ending with {@code <|im_end|>}. */
    int[] response(String assistantContent) {
        int[] body = tokenizer.encode(assistantContent, false);
        int[] out = Arrays.copyOf(body, body.length + 1);
        out[body.length] = endOfTurn;
        return out;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    dev.deliberate.engine.generate.SamplingParams engineParams(SamplingParams p, int maxTokens) {
        long seed = p.seed() == null ? 0 : p.seed();
        return new dev.deliberate.engine.generate.SamplingParams(p.temperature(), 0, p.topP(), maxTokens, seed, List.of(endOfTurn), p.stop());
    }

    String decodeRaw(int[] ids, int length) {
        return tokenizer.decode(Arrays.copyOf(ids, length), false);
    }

    /** A generation as a completion: the end-of-turn token dropped, reasoning split off, token counts filled in. */
    Completion completion(Generation g, int promptTokens) {
        int[] ids = g.tokens();
        int n = ids.length;
        if (n > 0 && ids[n - 1] == endOfTurn) n--;
        int reasoning = 0;
        for (int i = 0; i < n; i++)
            if (ids[i] == thinkClose) {
                reasoning = i + 1;
                break;
            }
        return Completion.fromText(decodeRaw(ids, n), g.finishReason().openAiName(), new Completion.Usage(promptTokens, n, reasoning));
    }
}
