package dev.deliberate.engine.tokenizer;

/**
 * The ids of the tokens the rest of the system needs by role; {@link #NONE} where a tokenizer has no such token
 * (Qwen3 has no BOS, Llama 2 has no {@code <|im_start|>}).
 */
public record SpecialTokens(int bos, int eos, int pad, int unk, int imStart, int imEnd, int thinkOpen, int thinkClose) {
    public static final int NONE = -1;

    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_TEXT = "<|endoftext|>";

    public boolean has(int id) {
        return id != NONE;
    }
}
