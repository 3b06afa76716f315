package dev.deliberate.engine.tokenizer;

/**
 * Splits a reasoning model's output into the chain of thought inside {@code <think>…</think>} and the answer
 * after it, and joins the two back. Mirrors what the Qwen3 chat template does with an assistant turn:
 * reasoning = the text before {@code </think>} after {@code <think>}, newlines trimmed; answer = the text
 * after {@code </think>}, leading newlines trimmed.
 *
 * <p>Tolerant of what real models emit: an output with no tags is all answer; {@code </think>} without an
 * opening tag (templates that put {@code <think>} in the generation prompt) still splits; an unclosed
 * {@code <think>} (generation stopped mid-thought) is all reasoning with an empty answer and {@code closed=false}.
 */
public final class Reasoning {
    public static final String OPEN = "<think>";
    public static final String CLOSE = "</think>";

    private Reasoning() {}

    /** @param closed false only when a {@code <think>} was opened and never closed */
    public record Split(String reasoning, String answer, boolean closed) {
        public boolean hasReasoning() {
            return !reasoning.isEmpty();
        }
    }

    public static Split split(String text) {
        int close = text.indexOf(CLOSE);
        int open = text.indexOf(OPEN);
        if (close >= 0 && (open < 0 || open < close)) {
            String before = text.substring(0, close);
            String prefix = "";
            if (open >= 0) {
                prefix = before.substring(0, open);
                before = before.substring(open + OPEN.length());
            }
            String answer = stripLeadingNewlines(text.substring(close + CLOSE.length()));
            if (!prefix.isBlank()) answer = prefix.strip() + (answer.isEmpty() ? "" : "\n\n" + answer);
            return new Split(trimNewlines(before), answer, true);
        }
        if (open >= 0) {
            String prefix = text.substring(0, open).strip();
            return new Split(trimNewlines(text.substring(open + OPEN.length())), prefix, false);
        }
        return new Split("", text, true);
    }

    /** The inverse of {@link #split}: {@code <think>\nreasoning\n</think>\n\nanswer}, or the bare answer if there is no reasoning. */
    public static String join(String reasoning, String answer) {
        if (reasoning == null || reasoning.isEmpty()) return answer;
        return OPEN + "\n" + trimNewlines(reasoning) + "\n" + CLOSE + "\n\n" + stripLeadingNewlines(answer);
    }

    static String trimNewlines(String s) {
        int a = 0, b = s.length();
        while (a < b && s.charAt(a) == '\n') a++;
        while (b > a && s.charAt(b - 1) == '\n') b--;
        return s.substring(a, b);
    }

    static String stripLeadingNewlines(String s) {
        int a = 0;
        while (a < s.length() && s.charAt(a) == '\n') a++;
        return s.substring(a);
    }
}
