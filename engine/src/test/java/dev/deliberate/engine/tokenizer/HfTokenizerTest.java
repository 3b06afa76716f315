package dev.deliberate.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class HfTokenizerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HfTokenizer qwen = Shared.qwen3Tokenizer();

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    @Test
    void everyGoldenEncodeLineMatchesIdsAndDecodedText() throws Exception {
        List<String> lines = Files.readAllLines(Shared.qwen3().resolve("golden-encode.jsonl"));
        assertTrue(lines.size() >= 30, "golden file looks truncated: " + lines.size() + " lines");
        for (String line : lines) {
            JsonNode g = JSON.readTree(line);
            int[] ids = qwen.encode(g.get("text").asText(), false);
            assertArrayEquals(ints(g.get("ids")), ids, () -> "ids of " + line);
            assertEquals(g.get("decoded").asText(), qwen.decode(ids), () -> "decoded of " + line);
        }
    }

    @Test
    void specialTokenIdsByRole() {
        SpecialTokens s = qwen.specialTokens();
        assertEquals(151644, s.imStart());
        assertEquals(151645, s.imEnd());
        assertEquals(151645, s.eos(), "Qwen3's eos_token is <|im_end|>");
        assertEquals(151643, s.pad(), "Qwen3's pad_token is <|endoftext|>");
        assertEquals(SpecialTokens.NONE, s.bos(), "Qwen3 has no bos_token");
        assertEquals(151667, s.thinkOpen());
        assertEquals(151668, s.thinkClose());
        assertEquals(151669, qwen.vocabSize());
        assertEquals("<|im_end|>", qwen.idToToken(151645));
        assertEquals(9707, qwen.tokenToId("Hello"));
        assertEquals("Ġworld", qwen.idToToken(1879), "byte-level form of ' world'");
        assertEquals(-1, qwen.tokenToId("no such token at all"));
        assertTrue(qwen.isSpecial(151645));
        assertFalse(qwen.isSpecial(151667), "<think> is an added token but not special in Qwen3");
        assertThrows(IllegalArgumentException.class, () -> qwen.idToToken(151669));
        assertThrows(IllegalArgumentException.class, () -> qwen.decode(new int[]{-1}));
    }

    @Test
    void specialTokensInsideTextAreRecognisedAndSkippable() {
        int[] ids = qwen.encode("x<|im_start|>y<|im_end|><|im_start", false);
        assertEquals(151644, ids[1]);
        assertEquals(151645, ids[3]);
        assertTrue(ids.length > 5, "an unfinished special token is ordinary text");
        assertEquals("xy<|im_start", qwen.decode(ids, true));
        assertEquals("x<|im_start|>y<|im_end|><|im_start", qwen.decode(ids, false));
    }

    @Test
    void offsetsAreUtf16IndicesIntoTheText() {
        String text = "a😀b 中<think>";
        var enc = qwen.encodeWithOffsets(text, false);
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < enc.size(); i++) pieces.add(text.substring(enc.starts()[i], enc.ends()[i]));
        assertEquals(List.of("a", "😀", "b", " 中", "<think>"), pieces);
        assertArrayEquals(qwen.encode(text, false), enc.ids());
    }

    @Test
    void ownCasesRoundTrip() {
        String[] cases = {
                "Arabic مرحبا بالعالم and Hebrew שלום עולם, RTL mark \u200F here",
                "combining: e\u0301 a\u0308 n\u0303 (decomposed) and é ä ñ (precomposed)",
                "emoji 🏳️‍🌈 🧑🏿‍🚀 1️⃣ 🇯🇵 and a lone VS16 \uFE0F",
                "CJK 漢字かな交じり文 한글 繁體中文 𠜎𠜱𠝹 (astral Han)",
                "Cyrillic Съешь же ещё этих мягких французских булок",
                "Devanagari नमस्ते, Thai สวัสดี, Tamil வணக்கம்",
                "controls \u0001\u0002\u007f and NUL \u0000 and tabs\t\t",
                "<think>reasoning</think>\n\nanswer <|endoftext|>",
                "x".repeat(20_000) + " " + "yz ".repeat(5_000),
        };
        for (String s : cases) {
            int[] ids = qwen.encode(s, false);
            assertEquals(Normalizer.normalize(s, Normalizer.Form.NFC), qwen.decode(ids), "round trip of " + s.substring(0, Math.min(60, s.length())));
        }
        assertEquals("é", qwen.decode(qwen.encode("e\u0301", false)), "Qwen3 normalises to NFC");
    }

    @Test
    void everyUnicodeCategoryRoundTrips() {
        StringBuilder sb = new StringBuilder();
        int[] seen = new int[32];
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            int type = Character.getType(cp);
            if (type == Character.SURROGATE || seen[type] >= 3) continue;
            seen[type]++;
            sb.appendCodePoint(cp).append(' ');
        }
        String s = sb.toString();
        assertEquals(Normalizer.normalize(s, Normalizer.Form.NFC), qwen.decode(qwen.encode(s, false)));
    }

    @Test
    void decodeOfEncodeIsTheIdentityOnRandomUnicode() {
        Random rnd = new Random(42);
        int[][] ranges = {{0x20, 0x7e}, {0x00, 0x1f}, {0xa0, 0x24f}, {0x300, 0x36f}, {0x370, 0x3ff}, {0x400, 0x4ff}, {0x590, 0x6ff},
                {0x900, 0x97f}, {0xe00, 0xe7f}, {0x3040, 0x30ff}, {0x4e00, 0x9fff}, {0xac00, 0xd7a3}, {0x2000, 0x206f},
                {0x1f300, 0x1faff}, {0x10000, 0x10ffff}};
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder sb = new StringBuilder();
            int n = rnd.nextInt(40);
            for (int i = 0; i < n; i++) {
                int[] r = ranges[rnd.nextInt(ranges.length)];
                int cp = r[0] + rnd.nextInt(r[1] - r[0] + 1);
                if (cp >= 0xd800 && cp <= 0xdfff) continue;
                sb.appendCodePoint(cp);
            }
            String s = sb.toString();
            assertEquals(Normalizer.normalize(s, Normalizer.Form.NFC), qwen.decode(qwen.encode(s, false)), "trial " + trial);
        }
    }

    @Test
    void batchEncodeMatchesSingleEncode() {
        List<String> texts = List.of("Hello, world!", "", "中文测试", "<|im_start|>user\nhi<|im_end|>");
        List<int[]> batch = qwen.encodeBatch(texts, false);
        for (int i = 0; i < texts.size(); i++) assertArrayEquals(qwen.encode(texts.get(i), false), batch.get(i));
    }

    @Test
    void chatTemplateComesFromTheConfig() {
        String rendered = qwen.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("Hi")), true);
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", rendered);
    }

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(HfTokenizerTest.class.getResource(name).toURI());
    }

    @Test
    void metaspaceBpeWithByteFallbackLikeLlama2() throws Exception {
        try (HfTokenizer t = HfTokenizer.load(fixture("metaspace-byte-fallback"))) {
            assertArrayEquals(new int[]{1, 271, 276}, t.encode("hello world", true), "<s> ▁hello ▁world");
            assertArrayEquals(new int[]{271, 276}, t.encode("hello world", false));
            // é is not in the vocabulary: its UTF-8 bytes C3 A9 become <0xC3> <0xA9>
            int[] ids = t.encode("hello é", true);
            assertArrayEquals(new int[]{1, 271, 259, 3 + 0xC3, 3 + 0xA9}, ids);
            assertEquals("hello é", t.decode(ids, true));
            assertEquals("<s> hello é", t.decode(ids, false));
            String emoji = "hello 🙂 world";
            assertEquals(emoji, t.decode(t.encode(emoji, true), true));
            assertEquals(1, t.specialTokens().bos());
            assertEquals(2, t.specialTokens().eos());
            assertEquals(SpecialTokens.NONE, t.specialTokens().imStart());
            assertEquals("<s>[user] hi</s>", t.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("hi")), false));
        }
    }

    @Test
    void malformedTokenizerJsonIsRejectedNamingTheField() throws Exception {
        String good = Files.readString(fixture("metaspace-byte-fallback").resolve("tokenizer.json"));
        record Case(String json, String field) {}
        List<Case> cases = List.of(
                new Case("[1, 2]", "top level"),
                new Case("{\"added_tokens\": []}", "'model'"),
                new Case(good.replace("\"type\": \"BPE\"", "\"type\": \"Bogus\""), "'model.type'"),
                new Case(good.replace("\"<unk>\": 0,", "\"<unk>\": \"zero\","), "model.vocab[\"<unk>\"]"),
                new Case(good.replace("\"h e\"", "\"he\""), "model.merges[0]"),
                new Case(good.replace("\"id\": 1,", "\"id\": \"one\","), "added_tokens[1].id"),
                new Case(good.replace("\"type\": \"Metaspace\"", "\"type\": 7"), "'pre_tokenizer'"),
                new Case("{\"model\": ", "not valid JSON"));
        for (Case c : cases) {
            var e = assertThrows(TokenizerFormatException.class, () -> HfTokenizer.fromJson(c.json, TokenizerConfig.EMPTY, null, "t.json"), c.field);
            assertTrue(e.getMessage().startsWith("t.json"), e.getMessage());
            assertTrue(e.getMessage().contains(c.field), "expected '" + c.field + "' in: " + e.getMessage());
        }
        var missing = assertThrows(TokenizerFormatException.class, () -> HfTokenizer.load(Path.of("/nonexistent-dir")));
        assertTrue(missing.getMessage().contains("no tokenizer.json"), missing.getMessage());
    }
}
