package dev.deliberate.align.eval.score;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;

import java.util.List;
import java.util.Objects;

/** Asks any {@link ChatModel} (greedy, temperature 0) the XSTest 3-class question and reads the class from its answer. */
public final class XsTestJudge {

    /** Room for the label and a short echo; reasoning judges need more. */
    public static final int DEFAULT_MAX_TOKENS = 32;

    private final ChatModel judge;
    private final SamplingParams params;

    public XsTestJudge(ChatModel judge) {
        this(judge, DEFAULT_MAX_TOKENS);
    }

    public XsTestJudge(ChatModel judge, int maxTokens) {
        this.judge = Objects.requireNonNull(judge, "judge");
        this.params = SamplingParams.greedy(maxTokens);
    }

    public Parsed<XsTestClass> classify(String question, String response) {
        List<Completion> out = judge.chat(List.of(Message.user(XsTestJudgePrompt.fill(question, response))), params);
        if (out.isEmpty()) return new Parsed.Failed<>("judge " + judge.id() + " returned no completion", "");
        return XsTestJudgePrompt.parse(out.getFirst().answer());
    }
}
