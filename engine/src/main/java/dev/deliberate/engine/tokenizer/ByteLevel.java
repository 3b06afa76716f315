package dev.deliberate.engine.tokenizer;

import java.util.regex.Pattern;

/**
 * GPT-2's byte-level alphabet: every byte gets a printable character (printable Latin-1 bytes stand for
 * themselves, the rest are shifted to U+0100…), so a vocabulary of strings can hold arbitrary byte sequences.
 * The pre-tokenisation pattern is Qwen2/3's (GPT-4's cl100k with single digits).
 */
public final class ByteLevel {
    private ByteLevel() {}

    /** The Split pattern of Qwen2/Qwen3's tokenizer.json, in Oniguruma syntax (as HF tokenizers runs it). */
    public static final String SPLIT_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The same pattern for java.util.regex: Unicode {@code \s}, as Oniguruma's. */
    static final Pattern SPLIT = Pattern.compile(SPLIT_REGEX, Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + n++);
        }
    }

    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The vocabulary string of a byte sequence. */
    public static String encode(byte[] bytes, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) out[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }
}
