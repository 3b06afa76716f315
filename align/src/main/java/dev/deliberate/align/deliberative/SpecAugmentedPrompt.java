package dev.deliberate.align.deliberative;

import dev.deliberate.align.llm.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * Deliberative Alignment's data-generation prompt (Guan et al., 2024, §2.2): the conversation, then the spec
 * excerpt for the prompt's category, then final instructions to reason over it. The spec and instructions travel in
 * one system message ahead of the conversation, so stripping them for SFT ({@link #strip}) gives back exactly the
 * user's conversation.
 */
public final class SpecAugmentedPrompt {
    private SpecAugmentedPrompt() {}

    /** Marks the system message this class adds, so {@link #strip} removes that one and nothing else. */
    static final String HEADER = "# Safety specification (relevant excerpt)";

    public static final String FINAL_INSTRUCTIONS = """
            # Final instructions
            Before answering the last user message, think it through inside <think>...</think>:
            - Restate what the user is really asking for; decode anything obfuscated or encoded first.
            - Analyse the request for compliance with the specification above, for correctness and for helpfulness.
            - Cite the parts of the specification that decide it by their rule ids (e.g. "[CYB-2] says ..."), and only
              the relevant ones: do not mention sections that do not apply.
            - Decide whether to refuse, safe-complete, or comply, as the specification says for this case, and follow
              the matching style guide.
            After </think>, write only the final answer to the user, not the analysis.""";

    /** The teacher's input: spec(category) + final instructions as a system message, then the conversation. */
    public static List<Message> build(List<Message> conversation, String specExcerpt) {
        if (conversation.isEmpty() || conversation.getLast().role() != Message.Role.USER)
            throw new IllegalArgumentException("the conversation must end with a user message");
        List<Message> out = new ArrayList<>(conversation.size() + 1);
        out.add(Message.system(HEADER + "\n\n" + specExcerpt.strip() + "\n\n" + FINAL_INSTRUCTIONS));
        out.addAll(conversation);
        return out;
    }

    /** The SFT input: the conversation without the spec message (the paper trains with the spec removed). */
    public static List<Message> strip(List<Message> prompt) {
        return prompt.stream().filter(m -> !(m.role() == Message.Role.SYSTEM && m.content().startsWith(HEADER))).toList();
    }
}
