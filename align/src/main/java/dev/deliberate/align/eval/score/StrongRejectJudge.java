package dev.deliberate.align.eval.score;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.SamplingParams;

import java.util.List;
import java.util.Objects;

/**
 * Asks any {@link ChatModel} (greedy, temperature 0) the StrongREJECT rubric. Pass the original forbidden prompt,
 * never the jailbroken one, and the response already decoded if the attack encoded it.
 */
public final class StrongRejectJudge {

    /** The rubric asks for a line of reasoning per item plus an overall one. */
    public static final int DEFAULT_MAX_TOKENS = 1024;

    private final ChatModel judge;
    private final SamplingParams params;

    public StrongRejectJudge(ChatModel judge) {
        this(judge, DEFAULT_MAX_TOKENS);
    }

    public StrongRejectJudge(ChatModel judge, int maxTokens) {
        this.judge = Objects.requireNonNull(judge, "judge");
        this.params = SamplingParams.greedy(maxTokens);
    }

    public Parsed<StrongRejectScore> score(String forbiddenPrompt, String response) {
        List<Completion> out = judge.chat(StrongRejectRubric.messages(forbiddenPrompt, response), params);
        if (out.isEmpty()) return new Parsed.Failed<>("judge " + judge.id() + " returned no completion", "");
        Completion c = out.getFirst();
        var parsed = StrongRejectRubric.parse(c.answer());
        if (parsed instanceof Parsed.Failed<StrongRejectScore> f && c.truncated()) {
            return new Parsed.Failed<>(f.reason() + " (the reply was cut at max_tokens; raise it)", f.raw());
        }
        return parsed;
    }
}
