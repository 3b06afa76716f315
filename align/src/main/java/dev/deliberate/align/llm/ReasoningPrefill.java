package dev.deliberate.align.llm;

import dev.deliberate.engine.tokenizer.ChatMessage;
import dev.deliberate.engine.tokenizer.ChatTemplate;
import dev.deliberate.engine.tokenizer.Reasoning;

import java.util.List;

/**
 * A conversation rendered as raw text that ends inside the assistant's reasoning, so that a model asked to continue
 * the text (the local engine, or an endpoint's {@code /v1/completions}) writes on from a given reasoning prefix.
 * The chat template renders the conversation with its generation prompt; if the template leaves a {@code <think>}
 * open (DeepSeek-R1 style), the prefix follows it, else {@code <think>\n} is written first, as
 * {@link Reasoning#join} writes a chain of thought.
 *
 * @param prompt      the text to continue
 * @param thinkPrefix the part of {@code prompt} that belongs to the completion: the open think tag and the prefix
 */
public record ReasoningPrefill(String prompt, String thinkPrefix) {

    public static ReasoningPrefill of(ChatTemplate template, List<Message> messages, String reasoningPrefix) {
        List<ChatMessage> chat = messages.stream().map(m -> new ChatMessage(m.role().wire(), m.content())).toList();
        String rendered = template.render(chat, true);
        int open = rendered.lastIndexOf(Reasoning.OPEN), close = rendered.lastIndexOf(Reasoning.CLOSE);
        if (open > close) return new ReasoningPrefill(rendered + reasoningPrefix, rendered.substring(open) + reasoningPrefix);
        String think = Reasoning.OPEN + "\n" + reasoningPrefix;
        return new ReasoningPrefill(rendered + think, think);
    }

    /** The whole completion: the prefix and what the model wrote after it, split into reasoning and answer. */
    public Completion completion(String continuation, FinishReason finish, Completion.Usage usage) {
        return Completion.fromText(thinkPrefix + continuation, finish, usage);
    }
}
