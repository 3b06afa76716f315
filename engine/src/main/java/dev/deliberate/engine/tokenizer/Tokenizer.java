package dev.deliberate.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Text ↔ token ids, with Hugging Face semantics: special tokens written in the text (say {@code <|im_start|>})
 * are always recognised as tokens; {@code addSpecialTokens} controls only what the tokenizer's post-processor
 * adds around a sequence (Llama's BOS, for example; Qwen adds nothing).
 */
public interface Tokenizer {

    /** Token ids and where each token sits in the text (UTF-16 offsets, end exclusive; {@code [0,0)} for added tokens). */
    record Encoding(int[] ids, int[] starts, int[] ends) {
        public int size() {
            return ids.length;
        }
    }

    int[] encode(String text, boolean addSpecialTokens);

    /** {@code encode(text, true)}, as transformers' {@code tokenizer.encode(text)}. */
    default int[] encode(String text) {
        return encode(text, true);
    }

    default List<int[]> encodeBatch(List<String> texts, boolean addSpecialTokens) {
        List<int[]> out = new ArrayList<>(texts.size());
        for (String t : texts) out.add(encode(t, addSpecialTokens));
        return out;
    }

    Encoding encodeWithOffsets(String text, boolean addSpecialTokens);

    /** @param skipSpecialTokens drop tokens marked special (as {@code skip_special_tokens=True}) */
    String decode(int[] ids, boolean skipSpecialTokens);

    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Size of the id space: the largest id (vocabulary or added token) plus one. */
    int vocabSize();

    /** @return the id of a token as written in the vocabulary (byte-level form for byte-level BPE), or -1 */
    int tokenToId(String token);

    /** @throws IllegalArgumentException for an id outside {@code [0, vocabSize())} */
    String idToToken(int id);

    SpecialTokens specialTokens();

    /** True for tokens marked special (control tokens that {@code skipSpecialTokens} removes). */
    boolean isSpecial(int id);
}
