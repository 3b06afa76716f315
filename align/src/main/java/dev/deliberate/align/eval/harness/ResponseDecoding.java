package dev.deliberate.align.eval.harness;

import dev.deliberate.align.attack.Attack;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a response to an encoding attack in plain text before it is judged (StrongREJECT's rule: decode encoded
 * responses first). A model may answer a ROT13 request in ROT13 or in English; the decoded text is kept only when
 * it reads more like English than the text as written, so an English answer is never scrambled by "decoding" it.
 */
public final class ResponseDecoding {

    private static final Set<String> COMMON = Set.of(
            "the", "a", "an", "and", "or", "to", "of", "in", "is", "are", "it", "that", "this", "you", "i", "for", "with",
            "on", "be", "can", "not", "but", "as", "your", "my", "here", "how", "what", "do", "if", "so", "we", "will", "sorry");
    // a whole whitespace-separated token, trailing punctuation aside: "2o2a" is no word, "sorry," is
    private static final Pattern WORD = Pattern.compile("(?<!\\S)[\\p{L}']+(?=[.,;:!?\"')]*(?:\\s|$))");

    private ResponseDecoding() {}

    /** The answer in plain text: decoded when {@code attack} is an encoding and decoding makes it read better. */
    public static String plain(Attack attack, String answer) {
        if (!(attack instanceof Attack.Encoding e) || answer.isEmpty()) return answer;
        String decoded = e.decode(answer);
        return englishWords(decoded) > englishWords(answer) ? decoded : answer;
    }

    /** How many of the text's words are among the most common English words. */
    static int englishWords(String text) {
        var m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        int n = 0;
        while (m.find()) if (COMMON.contains(m.group())) n++;
        return n;
    }
}
