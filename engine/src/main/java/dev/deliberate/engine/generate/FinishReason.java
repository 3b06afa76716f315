package dev.deliberate.engine.generate;

/** Why a sequence stopped (OpenAI's {@code finish_reason}: EOS and stop strings are both "stop"). */
public enum FinishReason {
    EOS, STOP_STRING, LENGTH;

    public String openAiName() {
        return this == LENGTH ? "length" : "stop";
    }
}
