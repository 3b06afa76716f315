package dev.deliberate.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The Java encoder against its reference, the Rust library, on the same tokenizer.json. */
class ByteLevelBpeEncoderTest {
    static final HfTokenizer qwen = Shared.qwen3Tokenizer();

    /** Pieces chosen to exercise every alternative of the Split regex and the added-token split. */
    static final String[] PIECES = {" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2009", "\u200b", "\u000b", "\u001c", "\u0085",
            "a", "Word", "'s", "'S", "'re", "'LL", "'ſ", "'", "'x", "1", "42", "12345", "²", "Ⅻ", "٣", "!", "?!", "(", "...", "#", "é", "e\u0301",
            "\u0301", "ß", "中文", "テキスト", "한국어", "Русский", "العربية", "😀", "👍🏽", "👨‍👩‍👧", "🇯🇵", "<|im_start|>", "<|im_end|>", "<think>",
            "</think>", "<|im_start", "<|endoftext|>", "ǅ", "ʰ", "_", "-", "$", "€", "\u0000", "\u007f", "\ud800\udc00"};

    static String randomText(Random r, int maxPieces) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(maxPieces + 1);
        for (int i = 0; i < n; i++) sb.append(PIECES[r.nextInt(PIECES.length)]);
        return sb.toString();
    }

    static void assertSameAsRust(HfTokenizer t, String text) {
        assertArrayEquals(t.encodeWithRust(text, false), t.encode(text, false), () -> "ids differ for " + new ObjectMapper().valueToTree(text));
    }

    @Test
    void qwen3UsesTheJavaEncoderAndAgreesWithRustOnTrickyText() {
        assertTrue(qwen.encodesInJava(), "the Qwen3 tokenizer.json has the supported shape");
        Random r = new Random(11);
        for (int i = 0; i < 20_000; i++) assertSameAsRust(qwen, randomText(r, 12));
    }

    @Test
    void qwen3AgreesWithRustOnRandomUnicodeAndLongText() {
        Random r = new Random(12);
        for (int trial = 0; trial < 2000; trial++) {
            StringBuilder sb = new StringBuilder();
            for (int i = r.nextInt(30); i > 0; i--) {
                int cp = r.nextInt(0x3000);
                if (r.nextInt(4) == 0) cp = 0x1F300 + r.nextInt(0x700);
                if (cp >= 0xd800 && cp <= 0xdfff) continue;
                sb.appendCodePoint(cp);
            }
            assertSameAsRust(qwen, sb.toString());
        }
        StringBuilder doc = new StringBuilder();
        for (String d : BpeTrainerTest.corpus(2000, 9)) doc.append(d);
        assertSameAsRust(qwen, doc.toString());
        assertSameAsRust(qwen, "x".repeat(50_000));
        assertSameAsRust(qwen, " ".repeat(10_000) + "\n".repeat(100) + "a");
    }

    @Test
    void trainedAndLlama3ShapedTokenizersAgreeWithRust(@TempDir Path dir) throws Exception {
        new BpeTrainer(new BpeTrainer.Config(800)).train(BpeTrainerTest.corpus(1500, 4)).save(dir.resolve("ours"));
        try (HfTokenizer ours = HfTokenizer.load(dir.resolve("ours"))) {
            assertTrue(ours.encodesInJava());
            Random r = new Random(13);
            for (int i = 0; i < 5000; i++) assertSameAsRust(ours, randomText(r, 12));
        }
        // Llama 3's pattern differs only in taking up to three digits at once, and it sets ignore_merges
        var json = (ObjectNode) new ObjectMapper().readTree(dir.resolve("ours/tokenizer.json").toFile());
        ((ObjectNode) json.at("/pre_tokenizer/pretokenizers/0/pattern")).put("Regex", SplitPreTokenizer.LLAMA3_REGEX);
        ((ObjectNode) json.get("model")).put("ignore_merges", true);
        Files.createDirectories(dir.resolve("llama3"));
        Files.writeString(dir.resolve("llama3/tokenizer.json"), json.toString());
        try (HfTokenizer l3 = HfTokenizer.load(dir.resolve("llama3"))) {
            assertTrue(l3.encodesInJava());
            Random r = new Random(14);
            for (int i = 0; i < 5000; i++) assertSameAsRust(l3, randomText(r, 12));
            assertSameAsRust(l3, "1234567 and 89, 1e-10, ٣٤٥٦");
        }
    }

    @Test
    void otherShapesStayWithRust() throws Exception {
        try (HfTokenizer t = HfTokenizer.load(HfTokenizerTest.fixture("metaspace-byte-fallback"))) {
            assertFalse(t.encodesInJava());
        }
        String json = Files.readString(Shared.qwen3().resolve("tokenizer.json")).replace("\"type\": \"NFC\"", "\"type\": \"NFKC\"");
        try (HfTokenizer t = HfTokenizer.fromJson(json, TokenizerConfig.EMPTY, null, "nfkc")) {
            assertFalse(t.encodesInJava(), "NFKC is not handled in Java");
            assertArrayEquals(new int[]{16}, t.encode("¹", false), "NFKC maps superscript one to 1");
        }
    }

    @Test
    void batchEncodeUsesTheSameIds() {
        List<String> texts = List.of("Hello", "中文测试：你好", "");
        for (int i = 0; i < texts.size(); i++) assertArrayEquals(qwen.encodeWithRust(texts.get(i), false), qwen.encodeBatch(texts, false).get(i));
    }
}
