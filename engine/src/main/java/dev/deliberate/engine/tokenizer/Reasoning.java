package dev.deliberate.engine.tokenizer;

/**
 * Splits a reasoning model's output into the chain of thought and the answer, and joins the two back. The one rule
 * for "what is the answer", used by completions, the RL reward, judges and evaluation alike:
 *
 * <ul>
 *   <li>the <em>last</em> {@code </think>} closes the reasoning; it began at the first {@code <think>} (or at the start
 *       of the text when a {@code </think>} comes before any {@code <think>}: templates that put {@code <think>} in the
 *       generation prompt), so text between several think blocks is reasoning too;</li>
 *   <li>a {@code <think>} never closed (generation stopped mid-thought) opens a block that runs to the end: all
 *       reasoning, {@code closed=false};</li>
 *   <li>everything else is the answer: text before the first {@code <think>}, then the text after the last
 *       {@code </think>} (leading newlines trimmed); an output with no tags is all answer.</li>
 * </ul>
 *
 * This is what the Qwen3 chat template keeps of an assistant turn ({@code content.split('</think>')[-1].lstrip('\n')}),
 * so a judge grades exactly the text a later turn would see.
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

    /** The answer of {@code text} by the rule above: what a user, and every judge, is shown. */
    public static String answer(String text) {
        return split(text).answer();
    }

    /**
     * The character ranges of {@code text} that {@link #split} counts as reasoning, tags included, in order: at most
     * two, {@code [start0, end0, start1, end1]}. The first runs from the first {@code <think>} (or the start of the text
     * when a {@code </think>} comes first) to just past the last {@code </think>}; the second is a block opened after the
     * last close and never closed, to the end. Text outside them is the answer, so counting reasoning tokens by these
     * ranges agrees with {@link #split} (an answer before the first {@code <think>} is not reasoning).
     */
    public static int[] reasoningSpans(String text) {
        int lastClose = text.lastIndexOf(CLOSE), firstOpen = text.indexOf(OPEN);
        if (lastClose < 0) return firstOpen < 0 ? new int[0] : new int[] {firstOpen, text.length()};
        int start = firstOpen >= 0 && firstOpen < text.indexOf(CLOSE) ? firstOpen : 0, end = lastClose + CLOSE.length();
        int open = text.indexOf(OPEN, end);
        return open < 0 ? new int[] {start, end} : new int[] {start, end, open, text.length()};
    }

    public static Split split(String text) {
        int lastClose = text.lastIndexOf(CLOSE);
        int firstOpen = text.indexOf(OPEN);
        String prefix = "", reasoning = "", rest = text;
        if (lastClose >= 0) {
            int start = 0;
            if (firstOpen >= 0 && firstOpen < text.indexOf(CLOSE)) {
                prefix = text.substring(0, firstOpen);
                start = firstOpen + OPEN.length();
            }
            reasoning = trimNewlines(text.substring(start, lastClose));
            rest = stripLeadingNewlines(text.substring(lastClose + CLOSE.length()));
        } else if (firstOpen >= 0) {
            return new Split(trimNewlines(text.substring(firstOpen + OPEN.length())), text.substring(0, firstOpen).strip(), false);
        } else {
            return new Split("", text, true);
        }
        boolean closed = true;
        int open = rest.indexOf(OPEN);
        if (open >= 0) { // a block opened after the last close and never closed: reasoning to the end
            String tail = trimNewlines(rest.substring(open + OPEN.length()));
            reasoning = tail.isEmpty() ? reasoning : reasoning.isEmpty() ? tail : reasoning + "\n" + tail;
            rest = rest.substring(0, open).strip();
            closed = false;
        }
        String answer = prefix.isBlank() ? rest : prefix.strip() + (rest.isEmpty() ? "" : "\n\n" + rest);
        return new Split(reasoning, answer, closed);
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
