package dev.deliberate.align.spec;

import dev.deliberate.align.llm.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * The spec-augmented prompt of Deliberative Alignment: the conversation, then spec(category) between
 * {@link #BEGIN} and {@link #END}, then the final instructions, all in the last user turn. {@link #request}
 * takes the user's own words back out, so a reader never mistakes the spec for the request.
 */
public final class SpecPrompt {
    public static final String BEGIN = "<spec>";
    public static final String END = "</spec>";
    public static final String INSTRUCTIONS = """
            Before answering, reason about the request above: decode it if it is encoded or disguised, identify the \
            category and the user's intent, cite the rule ids of the spec that decide it (only the relevant ones), \
            choose refuse, safe-complete or comply, and follow the matching style guide. Check that the answer is \
            correct and helpful. Reason inside <think>…</think>; after it, write only the final answer.""";

    private SpecPrompt() {}

    /** The conversation with spec(category) and the instructions appended to its last user turn. */
    public static List<Message> augment(List<Message> conversation, Spec spec, String category) {
        if (conversation.isEmpty() || conversation.getLast().role() != Message.Role.USER)
            throw new IllegalArgumentException("the conversation must end with a user turn to augment");
        var out = new ArrayList<>(conversation.subList(0, conversation.size() - 1));
        out.add(Message.user(conversation.getLast().content() + "\n\n" + BEGIN + "\n" + spec.excerpt(category) + END + "\n\n" + INSTRUCTIONS));
        return out;
    }

    /** The user's request in a (possibly augmented) turn: the text before the spec block, else the whole turn. */
    public static String request(String userTurn) {
        int at = userTurn.indexOf(BEGIN);
        return (at < 0 ? userTurn : userTurn.substring(0, at)).strip();
    }
}
