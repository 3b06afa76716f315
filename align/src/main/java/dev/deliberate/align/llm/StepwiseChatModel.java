package dev.deliberate.align.llm;

import java.util.List;

/**
 * A model that decodes one step at a time over a fixed number of slots, so that a server can admit a new
 * sequence into any free slot between steps instead of waiting for the whole batch to finish: continuous
 * batching (Orca, Yu et al. 2022, "iteration-level scheduling"). The local engine implements this with its
 * KV cache; {@link ChatModel#chat} remains the simple path.
 */
public interface StepwiseChatModel extends ChatModel {

    /** Opens a decode session with room for {@code slots} sequences at once. A session is used by one thread. */
    DecodeSession open(int slots);

    /** Whether sessions can return per-token log-probabilities ({@link DecodeSession#admit(List, SamplingParams, int, int)}). */
    default boolean logprobs() {
        return false;
    }

    interface DecodeSession extends AutoCloseable {
        /** Slots not holding a sequence. */
        int free();

        /**
         * Starts sample {@code sample} of a request in a free slot (its prompt is processed on the next step or
         * here, as the implementation prefers).
         *
         * @return an id for the sequence, used by {@link Step}
         * @throws IllegalStateException when no slot is free
         */
        long admit(List<Message> messages, SamplingParams params, int sample);

        /**
         * Like {@link #admit(List, SamplingParams, int)}; with {@code topLogprobs >= 0} the finished completion carries
         * {@link Completion#logprobs} with that many alternatives per token.
         */
        default long admit(List<Message> messages, SamplingParams params, int sample, int topLogprobs) {
            if (topLogprobs >= 0) throw new UnsupportedOperationException("this model gives no log-probabilities");
            return admit(messages, params, sample);
        }

        /**
         * Drops a sequence whose client went away: its slot is free for the next {@link #admit} and it appears in no
         * later step. An id that already finished is ignored.
         */
        void cancel(long sequence);

        /** Runs one decode step for every sequence in a slot. Finished sequences free their slots. */
        List<Step> step();

        @Override
        void close();
    }

    /**
     * What one sequence did in a step.
     *
     * @param sequence the id {@link DecodeSession#admit} gave
     * @param text     raw text decoded in this step (may hold {@code <think>} tags; may be empty). When the chat
     *                 template put {@code <think>} into the prompt, the first step's text should start with it, so
     *                 that the streamed text splits into reasoning and answer as the final completion does
     * @param finished the whole completion when the sequence ended in this step, else null
     */
    record Step(long sequence, String text, Completion finished) {}
}
