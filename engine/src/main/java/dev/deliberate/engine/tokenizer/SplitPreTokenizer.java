package dev.deliberate.engine.tokenizer;

/**
 * The pre-tokeniser of Qwen2/Qwen3 (and, with up to three digits, Llama 3): the Split regex below, compiled by
 * hand, alternative by alternative, with the leftmost-first backtracking semantics of Oniguruma (which HF
 * tokenizers runs) and its Unicode {@code \s} (White_Space). Hand-compiled because it is the hot loop of encoding
 * and because java.util.regex's {@code \s} is not Oniguruma's.
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * </pre>
 */
final class SplitPreTokenizer {
    /** The Split pattern of Qwen2/Qwen3's tokenizer.json, as written there (Oniguruma syntax). */
    static final String QWEN_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Llama 3's: the same but for up to three digits at once. */
    static final String LLAMA3_REGEX = QWEN_REGEX.replace("|\\p{N}|", "|\\p{N}{1,3}|");

    private final int maxDigits;

    SplitPreTokenizer(int maxDigits) {
        this.maxDigits = maxDigits;
    }

    /** End of the pre-token starting at {@code i} (a UTF-16 index into {@code s}, which must be non-empty there). */
    int next(String s, int i) {
        int n = s.length();
        int c = s.codePointAt(i);
        int ci = i + Character.charCount(c);
        if (c == '\'' && ci < n) {
            int e = contraction(s, ci);
            if (e > 0) return e;
        }
        if (isLetter(c)) return letters(s, ci);
        if (c != '\r' && c != '\n' && !isNumber(c) && ci < n && isLetter(s.codePointAt(ci))) return letters(s, ci);
        if (isNumber(c)) {
            int e = ci;
            for (int d = 1; d < maxDigits && e < n && isNumber(s.codePointAt(e)); d++) e += Character.charCount(s.codePointAt(e));
            return e;
        }
        int symStart = c == ' ' && ci < n && isSymbol(s.codePointAt(ci)) ? ci : isSymbol(c) ? i : -1;
        if (symStart >= 0) {
            int e = symStart;
            while (e < n && isSymbol(s.codePointAt(e))) e += Character.charCount(s.codePointAt(e));
            while (e < n && (s.charAt(e) == '\r' || s.charAt(e) == '\n')) e++;
            return e;
        }
        // c is whitespace: W = the whitespace run from i
        int w = i, lastNewline = -1;
        while (w < n) {
            int d = s.codePointAt(w);
            if (!isWhite(d)) break;
            if (d == '\r' || d == '\n') lastNewline = w;
            w += Character.charCount(d);
        }
        if (lastNewline >= 0) return lastNewline + 1; // \s*[\r\n]+
        if (w == n) return w; // \s+(?!\S) at the end
        int lastStart = w - Character.charCount(s.codePointBefore(w));
        if (lastStart > i) return lastStart; // \s+(?!\S): all but the last, which precedes a non-space
        return w; // \s+
    }

    private static int contraction(String s, int j) {
        char a = Character.toLowerCase(s.charAt(j));
        char b = j + 1 < s.length() ? Character.toLowerCase(s.charAt(j + 1)) : 0;
        if (a == 's' || a == 'ſ' || a == 't' || a == 'm' || a == 'd') return j + 1;
        if ((a == 'r' || a == 'v') && b == 'e') return j + 2;
        if (a == 'l' && b == 'l') return j + 2;
        return -1;
    }

    private static int letters(String s, int e) {
        while (e < s.length()) {
            int d = s.codePointAt(e);
            if (!isLetter(d)) break;
            e += Character.charCount(d);
        }
        return e;
    }

    static boolean isLetter(int c) {
        if (c < 128) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        return Character.isLetter(c);
    }

    static boolean isNumber(int c) {
        if (c < 128) return c >= '0' && c <= '9';
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** Unicode White_Space, which is Oniguruma's {@code \s} (Java's isWhitespace differs: no NBSP, adds U+001C–U+001F). */
    static boolean isWhite(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    private static boolean isSymbol(int c) {
        return !isWhite(c) && !isLetter(c) && !isNumber(c);
    }
}
