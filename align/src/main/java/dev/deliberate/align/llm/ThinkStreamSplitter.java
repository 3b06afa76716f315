package dev.deliberate.align.llm;

import dev.deliberate.engine.tokenizer.Reasoning;

/**
 * Splits streamed text into reasoning and answer deltas as it arrives, agreeing with {@link Reasoning#split}
 * on the whole text whenever the output opens with {@code <think>} and has one think block, or has no tags at all:
 * newlines at the edges of the think block are held back until it is clear whether more text follows, and a tag
 * cut between two chunks is held until it completes. A stream cannot take text back: text before a {@code </think>}
 * that was never opened (templates that put {@code <think>} in the prompt), and answer text before a second think
 * block, go out as answer, and only the final {@link Completion} (split on the whole text: the last {@code </think>}
 * ends the reasoning) files them as reasoning. A {@code </think>} is never sent as answer text: a tail that could
 * still become a tag is held back, the tag is dropped and the newlines after it are trimmed, as {@link Reasoning#split}
 * does; a later {@code <think>} streams its block as reasoning.
 */
public final class ThinkStreamSplitter {
    /** Deltas for the caller: either part may be empty. */
    public record Piece(String reasoning, String answer) {
        static final Piece NONE = new Piece("", "");

        public boolean isEmpty() {
            return reasoning.isEmpty() && answer.isEmpty();
        }
    }

    private enum State { START, REASONING, AFTER_CLOSE, ANSWER }

    private State state = State.START;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder all = new StringBuilder();
    private boolean reasoningStarted;
    /** No {@code <think>} opened the output, so the first {@code </think>} is still a tag, not text. */
    private boolean bareCloseExpected;
    /** A second think block follows reasoning already sent: its first delta starts on a new line. */
    private boolean separateNextBlock;

    /** Feeds the next chunk and returns what can be handed out now. */
    public Piece accept(String chunk) {
        all.append(chunk);
        pending.append(chunk);
        StringBuilder r = new StringBuilder(), a = new StringBuilder();
        drain(r, a, false);
        return r.isEmpty() && a.isEmpty() ? Piece.NONE : new Piece(r.toString(), a.toString());
    }

    /** Ends the stream and returns whatever was held back. */
    public Piece finish() {
        StringBuilder r = new StringBuilder(), a = new StringBuilder();
        drain(r, a, true);
        return r.isEmpty() && a.isEmpty() ? Piece.NONE : new Piece(r.toString(), a.toString());
    }

    /** Everything fed so far. */
    public String text() {
        return all.toString();
    }

    private void drain(StringBuilder r, StringBuilder a, boolean end) {
        while (true) {
            switch (state) {
                case START -> {
                    String t = pending.toString();
                    int lead = 0;
                    while (lead < t.length() && Character.isWhitespace(t.charAt(lead))) lead++;
                    String rest = t.substring(lead);
                    if (rest.startsWith(Reasoning.OPEN)) {
                        pending.delete(0, lead + Reasoning.OPEN.length()); // a blank prefix before <think> is dropped
                        state = State.REASONING;
                        continue;
                    }
                    if (!end && Reasoning.OPEN.startsWith(rest)) return; // maybe the start of <think>
                    state = State.ANSWER;
                    bareCloseExpected = true;
                    continue;
                }
                case REASONING -> {
                    if (!reasoningStarted) { // leading newlines of the think block are trimmed
                        int n = 0;
                        while (n < pending.length() && pending.charAt(n) == '\n') n++;
                        pending.delete(0, n);
                        if (pending.isEmpty()) return;
                        reasoningStarted = true;
                        if (separateNextBlock) r.append('\n');
                    }
                    int close = pending.indexOf(Reasoning.CLOSE);
                    if (close >= 0) {
                        r.append(trimTrailingNewlines(pending.substring(0, close)));
                        pending.delete(0, close + Reasoning.CLOSE.length());
                        state = State.AFTER_CLOSE;
                        continue;
                    }
                    int keep = end ? 0 : heldTail(pending);
                    String out = pending.substring(0, pending.length() - keep);
                    if (end) out = trimTrailingNewlines(out);
                    r.append(out);
                    pending.delete(0, pending.length() - keep);
                    if (end) pending.setLength(0);
                    return;
                }
                case AFTER_CLOSE -> {
                    int n = 0;
                    while (n < pending.length() && pending.charAt(n) == '\n') n++;
                    pending.delete(0, n);
                    if (pending.isEmpty()) return;
                    state = State.ANSWER;
                    continue;
                }
                case ANSWER -> {
                    int close = pending.indexOf(Reasoning.CLOSE), open = pending.indexOf(Reasoning.OPEN);
                    if (open >= 0 && (close < 0 || open < close)) {
                        // a later think block: reasoning again; what went out as answer before it cannot be taken
                        // back, and only the final split (the last </think> ends the reasoning) files it as reasoning
                        a.append(pending, 0, open);
                        pending.delete(0, open + Reasoning.OPEN.length());
                        bareCloseExpected = false;
                        separateNextBlock = reasoningStarted;
                        reasoningStarted = false;
                        state = State.REASONING;
                        continue;
                    }
                    if (close >= 0) { // a </think> is a tag wherever it stands, never answer text
                        a.append(pending, 0, close);
                        pending.delete(0, close + Reasoning.CLOSE.length());
                        bareCloseExpected = false;
                        state = State.AFTER_CLOSE;
                        continue;
                    }
                    int keep = end ? 0 : Math.max(partial(pending, Reasoning.CLOSE), partial(pending, Reasoning.OPEN));
                    a.append(pending, 0, pending.length() - keep);
                    pending.delete(0, pending.length() - keep);
                    return;
                }
            }
        }
    }

    /** Length of the longest end of {@code s} that {@code tag} starts with. */
    private static int partial(CharSequence s, String tag) {
        for (int k = Math.min(tag.length() - 1, s.length()); k > 0; k--)
            if (tag.startsWith(s.subSequence(s.length() - k, s.length()).toString())) return k;
        return 0;
    }

    /** How many trailing characters to hold: a run of newlines (they may end the block) plus a partial {@code </think>}. */
    private static int heldTail(CharSequence s) {
        int partial = 0;
        for (int k = Math.min(Reasoning.CLOSE.length() - 1, s.length()); k > 0; k--) {
            if (Reasoning.CLOSE.startsWith(s.subSequence(s.length() - k, s.length()).toString())) {
                partial = k;
                break;
            }
        }
        int i = s.length() - partial;
        while (i > 0 && s.charAt(i - 1) == '\n') i--;
        return s.length() - i;
    }

    private static String trimTrailingNewlines(String s) {
        int b = s.length();
        while (b > 0 && s.charAt(b - 1) == '\n') b--;
        return s.substring(0, b);
    }
}
