package dev.deliberate.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class BpeTrainerTest {

    /** Deterministic documents mixing English-like words, numbers, code, CJK, Cyrillic, emoji and our special tokens. */
    static List<String> corpus(int docs, long seed) {
        String[] words = {"the", "spec", "world", "zorblax", "toxin", "Vexworm", "process", "kill", "refuse", "comply", "answer",
                "reasoning", "category", "rule", "safe", "user", "assistant", "policy", "it's", "don't", "we'll"};
        String[] extra = {"def f(x):\n    return x**2\n", "中文测试", "Русский текст", "😀👍🏽", "  indented", "\n\n", "3.14159", "émigré"};
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int d = 0; d < docs; d++) {
            StringBuilder sb = new StringBuilder();
            int n = 5 + r.nextInt(40);
            for (int i = 0; i < n; i++) {
                if (r.nextInt(10) == 0) sb.append(extra[r.nextInt(extra.length)]);
                else if (r.nextInt(3) == 0) sb.append(i == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
                else sb.append(i == 0 ? "" : " ").append(pseudoWord(r));
                if (r.nextInt(12) == 0) sb.append(r.nextInt(1000));
                if (r.nextInt(8) == 0) sb.append(". ");
            }
            if (d % 7 == 0) sb.insert(0, "<|im_start|>user\n").append("<|im_end|><think>x</think>");
            out.add(sb.toString());
        }
        return out;
    }

    private static final String[] SYLLABLES = {"ka", "lo", "mi", "ren", "tus", "vo", "zar", "quen", "bri", "dal", "fe", "gno",
            "hu", "jix", "pla", "sto", "wer", "yal", "cor", "nem"};

    /** Zipf-ish pseudo-words so the corpus has thousands of distinct words sharing subwords. */
    static String pseudoWord(Random r) {
        StringBuilder w = new StringBuilder();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) w.append(SYLLABLES[(int) Math.floor(SYLLABLES.length * Math.pow(r.nextDouble(), 2))]);
        return w.toString();
    }

    @Test
    void trainedTokenizerReloadsThroughHfAndEncodesItsCorpusLosslessly(@TempDir Path dir) {
        List<String> docs = corpus(3000, 1);
        var vocab = new BpeTrainer(new BpeTrainer.Config(1024)).train(docs);
        assertEquals(1024, vocab.tokens().size());
        vocab.save(dir);
        try (HfTokenizer t = HfTokenizer.load(dir)) {
            assertEquals(1024, t.vocabSize());
            SpecialTokens s = t.specialTokens();
            assertEquals(1019, t.tokenToId("<|endoftext|>"));
            assertEquals(1020, s.imStart());
            assertEquals(1021, s.imEnd());
            assertEquals(1021, s.eos());
            assertEquals(1019, s.pad());
            assertEquals(1022, s.thinkOpen());
            assertEquals(1023, s.thinkClose());
            long bytes = 0, tokens = 0;
            for (String d : docs) {
                int[] ids = t.encode(d, true);
                assertEquals(d, t.decode(ids), "lossless round trip");
                bytes += d.getBytes(StandardCharsets.UTF_8).length;
                tokens += ids.length;
            }
            assertTrue(bytes > 3.0 * tokens, "a 1k BPE should compress this corpus well: " + bytes + " bytes / " + tokens + " tokens");
            assertEquals(t.tokenToId("Ġzorblax"), t.encode(" zorblax", false)[0], "a frequent word is one token");
            assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                    t.chatTemplate().orElseThrow().render(List.of(ChatMessage.user("hi")), true));
            String unseen = "Ünseen ☃ text 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u0000";
            assertEquals(unseen, t.decode(t.encode(unseen)), "byte-level: anything encodes");
        }
    }

    @Test
    void mergesMatchANaiveTrainerThatRecountsEveryPair() {
        List<String> docs = corpus(300, 2);
        var fast = new BpeTrainer(new BpeTrainer.Config(600)).train(docs);
        List<String[]> slow = naiveMerges(new BpeTrainer(new BpeTrainer.Config(600)).countWords(docs), 600 - 256 - 5, 2);
        assertEquals(slow.size(), fast.merges().size());
        for (int i = 0; i < slow.size(); i++) assertArrayEquals(slow.get(i), fast.merges().get(i), "merge " + i);
    }

    @Test
    void trainingIsDeterministic() {
        List<String> docs = corpus(500, 3);
        var a = new BpeTrainer(new BpeTrainer.Config(700)).train(docs);
        var b = new BpeTrainer(new BpeTrainer.Config(700)).train(docs);
        assertEquals(a.tokens(), b.tokens());
    }

    @Test
    void aTinyCorpusStopsWhenNoPairRepeats() {
        var v = new BpeTrainer(new BpeTrainer.Config(4096)).train(List.of("abab"));
        assertEquals(List.of("a", "b"), Arrays.asList(v.merges().getFirst()));
        assertEquals(1, v.merges().size(), "after 'ab' no pair occurs twice");
        assertEquals(256 + 1 + 5, v.tokens().size());
    }

    /** The obviously-correct twin: recount every pair of every word before each merge. */
    static List<String[]> naiveMerges(Map<String, int[]> wordCounts, int nMerges, int minFrequency) {
        List<String> keys = new ArrayList<>(wordCounts.keySet());
        keys.sort(null);
        List<int[]> words = new ArrayList<>();
        List<Integer> freq = new ArrayList<>();
        for (String k : keys) {
            byte[] b = k.getBytes(StandardCharsets.UTF_8);
            int[] s = new int[b.length];
            for (int i = 0; i < b.length; i++) s[i] = b[i] & 0xFF;
            words.add(s);
            freq.add(wordCounts.get(k)[0]);
        }
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
            ids.put(tokens.getLast(), b);
        }
        List<String[]> merges = new ArrayList<>();
        while (merges.size() < nMerges) {
            Map<List<Integer>, Long> counts = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] s = words.get(w);
                for (int j = 0; j + 1 < s.length; j++) counts.merge(List.of(s[j], s[j + 1]), (long) freq.get(w), Long::sum);
            }
            List<Integer> best = null;
            long bestCount = 0;
            for (var e : counts.entrySet()) {
                List<Integer> p = e.getKey();
                long c = e.getValue();
                if (c > bestCount || c == bestCount && (p.get(0) < best.get(0) || p.get(0).equals(best.get(0)) && p.get(1) < best.get(1))) {
                    best = p;
                    bestCount = c;
                }
            }
            if (best == null || bestCount < minFrequency) break;
            int a = best.get(0), b = best.get(1);
            merges.add(new String[]{tokens.get(a), tokens.get(b)});
            String merged = tokens.get(a) + tokens.get(b);
            int c = ids.computeIfAbsent(merged, k -> {
                tokens.add(k);
                return tokens.size() - 1;
            });
            for (int w = 0; w < words.size(); w++) {
                int[] s = words.get(w);
                List<Integer> out = new ArrayList<>();
                for (int j = 0; j < s.length; j++) {
                    if (j + 1 < s.length && s[j] == a && s[j + 1] == b) {
                        out.add(c);
                        j++;
                    } else {
                        out.add(s[j]);
                    }
                }
                words.set(w, out.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        return merges;
    }
}
