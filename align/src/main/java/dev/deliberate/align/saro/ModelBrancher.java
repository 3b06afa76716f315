package dev.deliberate.align.saro;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.world.Deliberation;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * PP-COT branches for any teacher: the rejected side is a chain the judge found unsafe (or over-refusing), as
 * sampled; the chosen side keeps its first {@code b} steps and asks the model to continue from there with a safety
 * reflection that cites the deciding rule, then a safe continuation and answer — SaRO's reflection rewrite.
 */
public final class ModelBrancher implements ProcessPreferenceBuilder.Brancher {
    static final String CONTINUE = """
            Here is the beginning of your reasoning about the last user message:

            %s

            Continue this reasoning. Start with a short reflection that checks the request against the specification above \
            and cites the deciding rule id, then finish reasoning inside <think>...</think> and write the final answer after it. \
            Write only the continuation, not the steps above again.""";

    private final ChatModel model;
    private final List<Message> prompt;
    private final ProcessPreferenceBuilder.Chain source;
    private final SamplingParams params;

    /**
     * @param prompt the spec-augmented teacher prompt
     * @param source the chain to branch (judged unsafe or over-refusing)
     */
    public ModelBrancher(ChatModel model, List<Message> prompt, Completion source, SamplingParams params) {
        this.model = model;
        this.prompt = prompt;
        this.source = new ProcessPreferenceBuilder.Chain(Deliberation.steps(source.reasoning()), source.answer());
        this.params = params.withN(1);
    }

    @Override
    public int steps() {
        return source.steps().size();
    }

    @Override
    public Optional<ProcessPreferenceBuilder.Branches> branch(LabelledPrompt item, int step, boolean late, long seed) {
        List<String> prefix = source.steps().subList(0, step);
        var msgs = new ArrayList<>(prompt);
        msgs.add(Message.user(CONTINUE.formatted(String.join("\n\n", prefix))));
        List<Completion> out = model.chat(msgs, params.withSeed(seed));
        if (out.isEmpty()) return Optional.empty();
        Completion c = out.getFirst();
        List<String> rest = Deliberation.steps(c.reasoning());
        if (rest.isEmpty() || c.answer().isBlank() || c.truncated()) return Optional.empty();
        var chosenSteps = new ArrayList<>(prefix);
        chosenSteps.addAll(rest);
        return Optional.of(new ProcessPreferenceBuilder.Branches(new ProcessPreferenceBuilder.Chain(chosenSteps, c.answer()), source, "drift"));
    }
}
