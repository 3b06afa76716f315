package dev.deliberate.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A pure-Java encoder for the byte-level BPE {@code tokenizer.json} shape of Qwen2/Qwen3, Llama 3 and our own
 * {@link BpeTrainer}: added tokens split first (leftmost-longest), NFC or no normaliser, the GPT-4-style Split
 * regex ({@link SplitPreTokenizer}), GPT-2's byte-level alphabet, and BPE merges
 * applied lowest rank first, leftmost on ties — the order of HF tokenizers' {@code Word::merge_all}. It gives the
 * same ids as the Rust library (tested on the goldens and differentially on megabytes of text) at several times
 * its speed through JNI; {@link #supports} refuses every other shape, which then stays with the Rust library.
 */
final class ByteLevelBpeEncoder {
    private static final int CACHE_LIMIT = 200_000;

    private final SplitPreTokenizer split;
    private final boolean nfc;
    private final boolean ignoreMerges;
    private final Map<String, Integer> vocab;
    private final int[] byteIds = new int[256];
    private final PairTable merges;
    private final String[] added; // sorted longest first
    private final int[] addedIds;
    private final boolean[] addedFirstChar = new boolean[65536];
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    private ByteLevelBpeEncoder(int maxDigits, boolean nfc, boolean ignoreMerges, Map<String, Integer> vocab, JsonNode mergesJson,
                                List<TokenizerConfig.AddedToken> addedTokens) {
        this.split = new SplitPreTokenizer(maxDigits);
        this.nfc = nfc;
        this.ignoreMerges = ignoreMerges;
        this.vocab = vocab;
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.charOf(b)));
            if (id == null) throw new IllegalArgumentException("byte " + b + " has no token");
            byteIds[b] = id;
        }
        merges = new PairTable(mergesJson.size());
        for (int rank = 0; rank < mergesJson.size(); rank++) {
            JsonNode m = mergesJson.get(rank);
            String a, b;
            if (m.isArray()) {
                a = m.get(0).asText();
                b = m.get(1).asText();
            } else {
                String s = m.asText();
                int sp = s.indexOf(' ');
                a = s.substring(0, sp);
                b = s.substring(sp + 1);
            }
            Integer ia = vocab.get(a), ib = vocab.get(b), ic = vocab.get(a + b);
            if (ia == null || ib == null || ic == null) throw new IllegalArgumentException("merge " + rank + " uses a token outside the vocabulary");
            merges.putIfAbsent(ia, ib, rank, ic);
        }
        List<TokenizerConfig.AddedToken> sorted = new ArrayList<>(addedTokens);
        sorted.sort((x, y) -> y.content().length() - x.content().length());
        added = new String[sorted.size()];
        addedIds = new int[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            added[i] = sorted.get(i).content();
            addedIds[i] = sorted.get(i).id();
            if (!added[i].isEmpty()) addedFirstChar[added[i].charAt(0)] = true;
        }
    }

    /**
     * The encoder when {@code tokenizer.json} has exactly the supported shape and {@code post_processor} adds no
     * tokens; null otherwise (or when anything about it surprises us: the Rust library then does all the work).
     */
    static ByteLevelBpeEncoder supports(JsonNode root, Map<String, Integer> vocab, List<TokenizerConfig.AddedToken> addedTokens) {
        JsonNode norm = root.path("normalizer");
        boolean nfc;
        if (norm.isMissingNode() || norm.isNull()) nfc = false;
        else if (norm.path("type").asText().equals("NFC")) nfc = true;
        else return null;
        JsonNode pre = root.path("pre_tokenizer");
        if (!pre.path("type").asText().equals("Sequence") || pre.path("pretokenizers").size() != 2) return null;
        JsonNode split = pre.path("pretokenizers").get(0), bl = pre.path("pretokenizers").get(1);
        if (!split.path("type").asText().equals("Split") || !split.path("behavior").asText().equals("Isolated")
                || split.path("invert").asBoolean(false)) return null;
        String regex = split.path("pattern").path("Regex").asText("");
        int maxDigits = regex.equals(SplitPreTokenizer.QWEN_REGEX) ? 1 : regex.equals(SplitPreTokenizer.LLAMA3_REGEX) ? 3 : 0;
        if (maxDigits == 0) return null;
        if (!bl.path("type").asText().equals("ByteLevel") || bl.path("add_prefix_space").asBoolean(false) || bl.path("use_regex").asBoolean(true))
            return null;
        JsonNode post = root.path("post_processor");
        if (!(post.isMissingNode() || post.isNull() || post.path("type").asText().equals("ByteLevel"))) return null;
        JsonNode model = root.path("model");
        if (!model.path("type").asText("BPE").equals("BPE") || model.path("byte_fallback").asBoolean(false)
                || !(model.path("dropout").isNull() || model.path("dropout").isMissingNode())
                || !model.path("continuing_subword_prefix").asText("").isEmpty() || !model.path("end_of_word_suffix").asText("").isEmpty())
            return null;
        for (var t : addedTokens) if (t.normalized() || t.lstrip() || t.rstrip() || t.singleWord()) return null;
        try {
            return new ByteLevelBpeEncoder(maxDigits, nfc, model.path("ignore_merges").asBoolean(false), vocab, model.path("merges"), addedTokens);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    int[] encode(String text) {
        IntList out = new IntList(text.length() / 3 + 4);
        int from = 0, i = 0, n = text.length();
        while (i < n) {
            if (addedFirstChar[text.charAt(i)]) {
                int k = addedAt(text, i);
                if (k >= 0) {
                    encodeSegment(text.substring(from, i), out);
                    out.add(addedIds[k]);
                    i += added[k].length();
                    from = i;
                    continue;
                }
            }
            i++;
        }
        encodeSegment(from == 0 ? text : text.substring(from), out);
        return out.toArray();
    }

    /** Index of the longest added token starting at {@code i}, or -1. */
    private int addedAt(String text, int i) {
        for (int k = 0; k < added.length; k++) if (!added[k].isEmpty() && text.startsWith(added[k], i)) return k;
        return -1;
    }

    private void encodeSegment(String s, IntList out) {
        if (s.isEmpty()) return;
        if (nfc && !belowCombiningMarks(s)) s = Normalizer.normalize(s, Normalizer.Form.NFC);
        int i = 0, n = s.length();
        while (i < n) {
            int end = split.next(s, i);
            String word = s.substring(i, end);
            int[] ids = cache.get(word);
            if (ids == null) {
                ids = bpe(word);
                if (cache.size() > CACHE_LIMIT) cache.clear();
                cache.put(word, ids);
            }
            out.addAll(ids);
            i = end;
        }
    }

    /** Below U+0300 every character is NFC-stable with combining class 0, so such a string is already NFC. */
    private static boolean belowCombiningMarks(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x300) return false;
        return true;
    }

    // --- BPE on one pre-token ---

    int[] bpe(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            Integer whole = vocab.get(ByteLevel.encode(bytes, 0, bytes.length));
            if (whole != null) return new int[]{whole};
        }
        int n = bytes.length;
        if (n == 1) return new int[]{byteIds[bytes[0] & 0xFF]};
        Scratch w = SCRATCH.get().ensure(n);
        int[] id = w.id, prev = w.prev, next = w.next;
        for (int i = 0; i < n; i++) {
            id[i] = byteIds[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1;
        }
        LongHeap heap = w.heap;
        heap.size = 0;
        for (int i = 0; i + 1 < n; i++) {
            long m = merges.get(id[i], id[i + 1]);
            if (m >= 0) heap.push((m >>> 32) << 32 | i);
        }
        int alive = n;
        while (heap.size > 0) {
            long top = heap.pop();
            int pos = (int) top, rank = (int) (top >>> 32);
            if (id[pos] < 0 || next[pos] >= n) continue;
            int nx = next[pos];
            long m = merges.get(id[pos], id[nx]);
            if (m < 0 || (int) (m >>> 32) != rank) continue; // stale: this pair changed since it was queued
            id[pos] = (int) m;
            id[nx] = -1; // merged into pos
            alive--;
            next[pos] = next[nx];
            if (next[nx] < n) prev[next[nx]] = pos;
            if (prev[pos] >= 0) {
                long l = merges.get(id[prev[pos]], id[pos]);
                if (l >= 0) heap.push((l >>> 32) << 32 | prev[pos]);
            }
            if (next[pos] < n) {
                long r = merges.get(id[pos], id[next[pos]]);
                if (r >= 0) heap.push((r >>> 32) << 32 | pos);
            }
        }
        int[] out = new int[alive];
        for (int i = 0, k = 0; i < n; i = next[i]) out[k++] = id[i];
        return out;
    }

    /** Per-thread work arrays for {@link #bpe}, grown as needed, so a word costs no allocation but its result. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        int[] id = new int[64], prev = new int[64], next = new int[64];
        final LongHeap heap = new LongHeap(64);

        Scratch ensure(int n) {
            if (id.length < n) {
                id = new int[n * 2];
                prev = new int[n * 2];
                next = new int[n * 2];
            }
            return this;
        }
    }

    /** Open-addressing map from a pair of ids to {@code rank << 32 | mergedId}; -1 when absent. */
    private static final class PairTable {
        private final long[] keys, values;
        private final int mask;

        PairTable(int n) {
            int cap = Integer.highestOneBit(Math.max(4, n * 2)) << 1;
            keys = new long[cap];
            values = new long[cap];
            Arrays.fill(keys, -1);
            mask = cap - 1;
        }

        private static long key(int a, int b) {
            return (long) a << 32 | (b & 0xFFFFFFFFL);
        }

        private int slot(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 40) & mask;
        }

        void putIfAbsent(int a, int b, int rank, int merged) {
            long k = key(a, b);
            int s = slot(k);
            while (keys[s] != -1) {
                if (keys[s] == k) return; // a duplicate merge keeps its first (lowest) rank, as HF does
                s = (s + 1) & mask;
            }
            keys[s] = k;
            values[s] = (long) rank << 32 | merged;
        }

        long get(int a, int b) {
            long k = key(a, b);
            int s = slot(k);
            while (true) {
                long ks = keys[s];
                if (ks == k) return values[s];
                if (ks == -1) return -1;
                s = (s + 1) & mask;
            }
        }
    }

    /** A binary min-heap of longs ({@code rank << 32 | position}: lowest rank, then leftmost). */
    private static final class LongHeap {
        long[] a;
        int size;

        LongHeap(int cap) {
            a = new long[Math.max(4, cap)];
        }

        void push(long v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2);
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) break;
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long v = a[--size];
            int i = 0;
            while (true) {
                int l = 2 * i + 1;
                if (l >= size) break;
                int c = l + 1 < size && a[l + 1] < a[l] ? l + 1 : l;
                if (a[c] >= v) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = v;
            return top;
        }
    }

    private static final class IntList {
        int[] a;
        int size;

        IntList(int cap) {
            a = new int[cap];
        }

        void add(int v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2 + 4);
            a[size++] = v;
        }

        void addAll(int[] vs) {
            if (size + vs.length > a.length) a = Arrays.copyOf(a, Math.max(size * 2, size + vs.length) + 4);
            System.arraycopy(vs, 0, a, size, vs.length);
            size += vs.length;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
