package dev.deliberate.engine.tokenizer;

import java.util.List;
import java.util.Map;

/**
 * Token ids of a rendered conversation and the SFT label mask: 1 exactly on the tokens of assistant turns (their
 * content and the closing end-of-turn token, e.g. {@code <|im_end|>}), 0 on everything else (system and user
 * turns, role headers, the newline after {@code <|im_end|>}).
 *
 * <p>The rule, computed by rendering prefixes so it holds for any template, including ones that re-render
 * earlier assistant turns differently (Qwen3 drops the {@code <think>} block of turns before the last user
 * message):
 * <ol>
 *   <li>{@code R} = the whole conversation rendered without generation prompt; {@code ids} = {@code R}
 *       tokenized without added special tokens (the template writes its own, as {@code apply_chat_template}).</li>
 *   <li>For assistant message {@code i}: its turn starts at {@code len(P)}, where {@code P} = messages
 *       {@code [0, i)} rendered <em>with</em> the generation prompt — exactly what the model is given at inference.
 *       {@code P} must be a prefix of {@code R}, otherwise the template is not prefix-stable and we refuse.</li>
 *   <li>The turn ends just after the first end-of-turn token (the tokenizer's eos, e.g. {@code <|im_end|>}) from
 *       there; without an eos, at the end of messages {@code [0, i]} rendered alone, if that is a prefix of
 *       {@code R}.</li>
 *   <li>A token is trained on when its text lies wholly inside a turn.</li>
 * </ol>
 * So each assistant turn is learned as it appears in the whole conversation: an earlier Qwen3 turn without its
 * thinking, the final one with it.
 */
public record AssistantMask(String rendered, int[] ids, int[] mask) {

    public int trainedTokens() {
        int n = 0;
        for (int m : mask) n += m;
        return n;
    }

    public static AssistantMask of(Tokenizer tokenizer, ChatTemplate template, List<ChatMessage> messages) {
        return ofMaps(tokenizer, template, messages.stream().map(ChatMessage::toMap).toList(), Map.of());
    }

    /** @param kwargs extra template variables, e.g. {@code enable_thinking} */
    public static AssistantMask ofMaps(Tokenizer tokenizer, ChatTemplate template, List<? extends Map<String, ?>> messages,
                                       Map<String, ?> kwargs) {
        String r = template.renderMaps(messages, false, kwargs);
        int eos = tokenizer.specialTokens().eos();
        String endOfTurn = eos == SpecialTokens.NONE ? null : tokenizer.idToToken(eos);
        var enc = tokenizer.encodeWithOffsets(r, false);
        int[] mask = new int[enc.size()];
        for (int i = 0; i < messages.size(); i++) {
            if (!"assistant".equals(messages.get(i).get("role"))) continue;
            String prompt = template.renderMaps(messages.subList(0, i), true, kwargs);
            if (!r.startsWith(prompt))
                throw new ChatTemplate.ChatTemplateException("the chat template is not prefix-stable at message " + i
                        + ": the conversation up to it, rendered with the generation prompt, is not a prefix of the whole conversation");
            int start = prompt.length();
            int end = endOfTurn == null ? -1 : r.indexOf(endOfTurn, start);
            if (end >= 0) {
                end += endOfTurn.length();
            } else {
                String upTo = template.renderMaps(messages.subList(0, i + 1), false, kwargs);
                if (!r.startsWith(upTo))
                    throw new ChatTemplate.ChatTemplateException("cannot find where assistant message " + i
                            + " ends: no end-of-turn token after it, and the conversation up to it is not a prefix of the whole");
                end = upTo.length();
            }
            for (int k = 0; k < mask.length; k++) {
                if (enc.starts()[k] >= start && enc.ends()[k] <= end && enc.ends()[k] > enc.starts()[k]) mask[k] = 1;
            }
        }
        return new AssistantMask(r, enc.ids(), mask);
    }
}
