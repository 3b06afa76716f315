package dev.deliberate.align.saro;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.ReasoningBrancher;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.world.Deliberation;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * PP-COT branches for any teacher (SaRO, Mou et al., 2025, §3.2): the rejected side is a sampled chain the judge found
 * unsafe (or over-refusing), drifting on as sampled; the chosen side keeps its first {@code b} steps and continues
 * from there with a safety reflection, then a safe continuation and answer.
 *
 * <p>A model that continues a reasoning prefix ({@link ChatModel#continuesReasoning}: a local checkpoint, or an
 * endpoint with {@code /v1/completions} and its chat template) is given the prefix and the opening of a reflection,
 * {@value #REFLECTION}, inside its own think block, so the branch is its own continuation of exactly that text. Any
 * other chat model is asked, in a new user turn, to continue the prefix with a reflection that cites the deciding rule.
 */
public final class ContinuationBrancher implements ReasoningBrancher {
    /** The reflection's opening words, written into the chain at the branch step for the model to finish. */
    public static final String REFLECTION = "Wait,";

    static final String CONTINUE = """
            Here is the beginning of your reasoning about the last user message:

            %s

            Continue this reasoning. Start with a short reflection that checks the request against the specification above \
            and cites the deciding rule id, then finish reasoning inside <think>...</think> and write the final answer after it. \
            Write only the continuation, not the steps above again.""";

    private final ChatModel model;
    private final List<Message> prompt;
    private final Chain source;
    private final SamplingParams params;

    /**
     * @param prompt the spec-augmented teacher prompt
     * @param source the chain to branch (judged unsafe or over-refusing)
     */
    public ContinuationBrancher(ChatModel model, List<Message> prompt, Completion source, SamplingParams params) {
        this.model = model;
        this.prompt = prompt;
        this.source = new Chain(Deliberation.steps(source.reasoning()), source.answer());
        this.params = params.withN(1);
    }

    @Override
    public int steps() {
        return source.steps().size();
    }

    @Override
    public String method() {
        return model.continuesReasoning() ? "prefix-continuation" : "instructed-continuation";
    }

    @Override
    public Optional<Branches> branch(int step, boolean late, long seed) {
        List<String> prefix = source.steps().subList(0, step);
        String given = String.join("\n\n", prefix);
        List<String> rest;
        Completion c;
        if (model.continuesReasoning()) {
            List<Completion> out = model.continueReasoning(prompt, given + "\n\n" + REFLECTION, params.withSeed(seed));
            if (out.isEmpty()) return Optional.empty();
            c = out.getFirst();
            // the model's reasoning begins with the prefix it was given; the branch is what follows it
            if (!c.reasoning().startsWith(given)) return Optional.empty();
            rest = Deliberation.steps(c.reasoning().substring(given.length()));
        } else {
            var msgs = new ArrayList<>(prompt);
            msgs.add(Message.user(CONTINUE.formatted(given)));
            List<Completion> out = model.chat(msgs, params.withSeed(seed));
            if (out.isEmpty()) return Optional.empty();
            c = out.getFirst();
            rest = Deliberation.steps(c.reasoning());
        }
        if (rest.isEmpty() || c.answer().isBlank() || c.truncated()) return Optional.empty();
        var chosenSteps = new ArrayList<>(prefix);
        chosenSteps.addAll(rest);
        return Optional.of(new Branches(new Chain(chosenSteps, c.answer()), source, "drift"));
    }
}
