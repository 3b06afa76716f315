package dev.deliberate.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trains a byte-level BPE vocabulary (Sennrich et al. 2016, with GPT-2's byte-level alphabet) and writes it as a
 * standard Hugging Face {@code tokenizer.json} + {@code tokenizer_config.json} shaped like Qwen3's: Qwen2's
 * pre-tokenisation regex, no normaliser (so encoding is lossless for any string), our special tokens after the
 * learned vocabulary, and the built-in ChatML template.
 *
 * <p>Training: split the corpus on special tokens and by the regex, count distinct words, then repeatedly merge
 * the most frequent adjacent pair. Pair counts are kept incrementally — a merge re-counts only the words that
 * contain the merged pair — and a lazy max-heap finds the next pair. Ties go to the pair whose left, then right,
 * symbol id is smaller, so a corpus always yields the same vocabulary.
 */
public final class BpeTrainer {
    /** Our special tokens, in id order after the learned vocabulary. */
    public static final List<String> SPECIAL_TOKENS =
            List.of(SpecialTokens.END_OF_TEXT, SpecialTokens.IM_START, SpecialTokens.IM_END, Reasoning.OPEN, Reasoning.CLOSE);

    /**
     * @param vocabSize    total ids including the 256 byte tokens and the special tokens (e.g. 4096)
     * @param minFrequency pairs seen fewer times are never merged (so a small corpus may give a smaller vocabulary)
     */
    public record Config(int vocabSize, int minFrequency, List<String> specialTokens) {
        public Config {
            specialTokens = List.copyOf(specialTokens);
            if (vocabSize < 256 + specialTokens.size())
                throw new IllegalArgumentException("vocabSize " + vocabSize + " is smaller than the 256 byte tokens plus " + specialTokens.size() + " special tokens");
            if (minFrequency < 1) throw new IllegalArgumentException("minFrequency must be ≥ 1, got " + minFrequency);
        }

        public Config(int vocabSize) {
            this(vocabSize, 2, SPECIAL_TOKENS);
        }
    }

    /** A trained vocabulary: {@code tokens[id]} in byte-level form, and the merges in rank order. */
    public record Vocabulary(List<String> tokens, List<String[]> merges, List<String> specialTokens) {
        /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (created if needed). */
        public void save(Path dir) {
            try {
                Files.createDirectories(dir);
                ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                json.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizerJson());
                json.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfigJson());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the tokenizer to " + dir + ": " + e.getMessage(), e);
            }
        }

        private boolean isControl(String special) {
            return !special.equals(Reasoning.OPEN) && !special.equals(Reasoning.CLOSE);
        }

        ObjectNode tokenizerJson() {
            var f = JsonNodeFactory.instance;
            ObjectNode root = f.objectNode();
            root.put("version", "1.0");
            root.putNull("truncation");
            root.putNull("padding");
            ArrayNode added = root.putArray("added_tokens");
            int first = tokens.size() - specialTokens.size();
            for (int i = 0; i < specialTokens.size(); i++) {
                added.addObject().put("id", first + i).put("content", specialTokens.get(i)).put("single_word", false)
                        .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", isControl(specialTokens.get(i)));
            }
            root.putNull("normalizer");
            ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
            ArrayNode pres = pre.putArray("pretokenizers");
            ObjectNode split = pres.addObject().put("type", "Split");
            split.putObject("pattern").put("Regex", SplitPreTokenizer.QWEN_REGEX);
            split.put("behavior", "Isolated").put("invert", false);
            byteLevel(pres.addObject());
            byteLevel(root.putObject("post_processor"));
            byteLevel(root.putObject("decoder"));
            ObjectNode model = root.putObject("model");
            model.put("type", "BPE").putNull("dropout");
            model.putNull("unk_token");
            model.put("continuing_subword_prefix", "").put("end_of_word_suffix", "").put("fuse_unk", false)
                    .put("byte_fallback", false).put("ignore_merges", false);
            ObjectNode vocab = model.putObject("vocab");
            for (int id = 0; id < first; id++) vocab.put(tokens.get(id), id);
            ArrayNode ms = model.putArray("merges");
            for (String[] m : merges) ms.addArray().add(m[0]).add(m[1]);
            return root;
        }

        private static void byteLevel(ObjectNode n) {
            n.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        }

        ObjectNode tokenizerConfigJson() {
            var f = JsonNodeFactory.instance;
            ObjectNode c = f.objectNode();
            c.put("add_bos_token", false).put("add_prefix_space", false);
            ObjectNode dec = c.putObject("added_tokens_decoder");
            int first = tokens.size() - specialTokens.size();
            for (int i = 0; i < specialTokens.size(); i++) {
                dec.putObject(Integer.toString(first + i)).put("content", specialTokens.get(i)).put("lstrip", false)
                        .put("normalized", false).put("rstrip", false).put("single_word", false).put("special", isControl(specialTokens.get(i)));
            }
            ArrayNode extra = c.putArray("additional_special_tokens");
            for (String s : specialTokens) if (isControl(s) && !s.equals(SpecialTokens.END_OF_TEXT)) extra.add(s);
            c.putNull("bos_token");
            c.put("chat_template", ChatTemplate.CHATML);
            c.put("clean_up_tokenization_spaces", false);
            c.put("eos_token", specialTokens.contains(SpecialTokens.IM_END) ? SpecialTokens.IM_END : SpecialTokens.END_OF_TEXT);
            c.put("errors", "replace");
            c.put("model_max_length", 131072);
            c.put("pad_token", SpecialTokens.END_OF_TEXT);
            c.put("split_special_tokens", false);
            c.put("tokenizer_class", "Qwen2Tokenizer");
            c.putNull("unk_token");
            return c;
        }
    }

    private static final SplitPreTokenizer QWEN_SPLIT = new SplitPreTokenizer(1);

    private final Config config;

    public BpeTrainer(Config config) {
        this.config = config;
    }

    /** Trains on the given documents. */
    public Vocabulary train(Iterable<String> corpus) {
        Map<String, int[]> wordCounts = countWords(corpus);
        return merge(wordCounts);
    }

    /** Distinct pre-tokenised words with their counts (the int[] is a mutable counter). */
    Map<String, int[]> countWords(Iterable<String> corpus) {
        Map<String, int[]> counts = new HashMap<>();
        Pattern specials = specialsPattern();
        for (String doc : corpus) {
            int from = 0;
            Matcher sm = specials.matcher(doc);
            while (true) {
                int end = sm.find() ? sm.start() : doc.length();
                String piece = doc.substring(from, end);
                for (int i = 0; i < piece.length(); ) {
                    int e = QWEN_SPLIT.next(piece, i);
                    counts.computeIfAbsent(piece.substring(i, e), k -> new int[1])[0]++;
                    i = e;
                }
                if (end == doc.length()) break;
                from = sm.end();
            }
        }
        return counts;
    }

    private Pattern specialsPattern() {
        List<String> sorted = new ArrayList<>(config.specialTokens());
        sorted.sort((a, b) -> b.length() - a.length());
        StringBuilder re = new StringBuilder();
        for (String s : sorted) re.append(re.isEmpty() ? "" : "|").append(Pattern.quote(s));
        return Pattern.compile(re.isEmpty() ? "(?!)" : re.toString());
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** A max-heap entry; stale when {@code count} no longer equals the pair's current count. */
    private record Candidate(long pair, long count) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            if (count != o.count) return Long.compare(o.count, count);
            return Long.compare(pair, o.pair); // smaller (left, right) ids first
        }
    }

    private Vocabulary merge(Map<String, int[]> wordCounts) {
        int nWords = wordCounts.size();
        int[][] words = new int[nWords][];
        int[] freq = new int[nWords];
        int w = 0;
        List<String> keys = new ArrayList<>(wordCounts.keySet());
        keys.sort(null); // iteration order of a HashMap must not leak into the result
        for (String k : keys) {
            byte[] bytes = k.getBytes(StandardCharsets.UTF_8);
            int[] syms = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) syms[i] = bytes[i] & 0xFF;
            words[w] = syms;
            freq[w++] = wordCounts.get(k)[0];
        }

        List<String> tokens = new ArrayList<>(config.vocabSize());
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            String t = String.valueOf(ByteLevel.charOf(b));
            ids.put(t, tokens.size());
            tokens.add(t);
        }

        Map<Long, long[]> counts = new HashMap<>();
        Map<Long, IntList> where = new HashMap<>();
        for (int i = 0; i < nWords; i++) {
            int[] s = words[i];
            for (int j = 0; j + 1 < s.length; j++) {
                long p = pair(s[j], s[j + 1]);
                counts.computeIfAbsent(p, k -> new long[1])[0] += freq[i];
                where.computeIfAbsent(p, k -> new IntList()).add(i);
            }
        }
        PriorityQueue<Candidate> heap = new PriorityQueue<>(Math.max(16, counts.size()));
        counts.forEach((p, c) -> heap.add(new Candidate(p, c[0])));

        int targetMerges = config.vocabSize() - config.specialTokens().size() - 256;
        List<String[]> merges = new ArrayList<>(targetMerges);
        int[] seenAt = new int[nWords];
        Arrays.fill(seenAt, -1);
        Map<Long, Long> delta = new HashMap<>();
        while (merges.size() < targetMerges && !heap.isEmpty()) {
            Candidate top = heap.poll();
            long[] current = counts.get(top.pair);
            if (current == null || current[0] != top.count) continue; // stale
            if (top.count < config.minFrequency()) break;
            int a = (int) (top.pair >>> 32), b = (int) top.pair;
            String merged = tokens.get(a) + tokens.get(b);
            merges.add(new String[]{tokens.get(a), tokens.get(b)});
            Integer existing = ids.get(merged);
            int c;
            if (existing != null) {
                c = existing;
            } else {
                c = tokens.size();
                ids.put(merged, c);
                tokens.add(merged);
            }

            delta.clear();
            IntList occurrences = where.remove(top.pair);
            int stamp = merges.size();
            for (int k = 0; k < occurrences.size; k++) {
                int wi = occurrences.items[k];
                if (seenAt[wi] == stamp) continue;
                seenAt[wi] = stamp;
                int[] s = words[wi];
                int[] out = new int[s.length];
                int n = 0;
                for (int j = 0; j < s.length; j++) {
                    if (j + 1 < s.length && s[j] == a && s[j + 1] == b) {
                        out[n++] = c;
                        j++;
                    } else {
                        out[n++] = s[j];
                    }
                }
                if (n == s.length) continue; // a stale occurrence: the pair is no longer in this word
                int f = freq[wi];
                for (int j = 0; j + 1 < s.length; j++) delta.merge(pair(s[j], s[j + 1]), (long) -f, Long::sum);
                int[] merged2 = Arrays.copyOf(out, n);
                for (int j = 0; j + 1 < n; j++) {
                    long p = pair(merged2[j], merged2[j + 1]);
                    delta.merge(p, (long) f, Long::sum);
                    if (merged2[j] == c || merged2[j + 1] == c) where.computeIfAbsent(p, q -> new IntList()).add(wi);
                }
                words[wi] = merged2;
            }
            for (var e : delta.entrySet()) {
                if (e.getValue() == 0) continue;
                long[] cnt = counts.computeIfAbsent(e.getKey(), q -> new long[1]);
                cnt[0] += e.getValue();
                if (cnt[0] <= 0) {
                    counts.remove(e.getKey());
                } else {
                    heap.add(new Candidate(e.getKey(), cnt[0]));
                }
            }
        }

        tokens.addAll(config.specialTokens());
        return new Vocabulary(List.copyOf(tokens), List.copyOf(merges), config.specialTokens());
    }

    /** A growable int array: the words where a pair occurs (duplicates allowed, skipped at merge time). */
    private static final class IntList {
        int[] items = new int[4];
        int size;

        void add(int v) {
            if (size == items.length) items = Arrays.copyOf(items, size * 2);
            items[size++] = v;
        }
    }

    /** Convenience: train and keep the result in a folder loadable by {@link HfTokenizer#load}. */
    public static HfTokenizer trainAndLoad(Iterable<String> corpus, Config config, Path dir) {
        new BpeTrainer(config).train(corpus).save(dir);
        return HfTokenizer.load(dir);
    }
}
