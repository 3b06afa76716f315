package dev.deliberate.align.eval.score;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GSM8K scoring as {@code grade_school_math/dataset.py} does it: the number after {@code #### } with commas removed,
 * compared to the gold one as exact strings. A completion with no {@code ####} falls back to its last number (the
 * recipe in {@code benchmarks/README.md}); the gold answer must have the marker.
 */
public final class Gsm8kAnswer {

    private static final Pattern MARKED = Pattern.compile("#### (\\-?[0-9\\.\\,]+)");
    // A number as written in prose: optional sign, digits with thousands commas, optional decimals ("1,234.5").
    private static final Pattern NUMBER = Pattern.compile("-?[0-9][0-9,]*(?:\\.[0-9]+)?");

    private Gsm8kAnswer() {}

    /** The marked answer ({@code #### N}), commas removed; empty if there is none. */
    public static Optional<String> marked(String text) {
        Matcher m = MARKED.matcher(text);
        return m.find() ? Optional.of(m.group(1).strip().replace(",", "")) : Optional.empty();
    }

    /** The marked answer, else the last number in the text, commas removed; empty if the text has no number. */
    public static Optional<String> extract(String completion) {
        var marked = marked(completion);
        if (marked.isPresent()) return marked;
        Matcher m = NUMBER.matcher(completion);
        String last = null;
        while (m.find()) last = m.group();
        return Optional.ofNullable(last).map(s -> s.replace(",", ""));
    }

    /** Whether the completion's answer equals the gold solution's {@code #### N}. */
    public static boolean isCorrect(String completion, String goldSolution) {
        String gold = marked(goldSolution).orElseThrow(() -> new IllegalArgumentException(
                "gold answer has no '#### N' line: " + abbreviate(goldSolution)));
        return extract(completion).map(gold::equals).orElse(false);
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? "…" + s.substring(s.length() - 80) : s;
    }
}
