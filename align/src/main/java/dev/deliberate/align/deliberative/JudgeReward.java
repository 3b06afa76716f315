package dev.deliberate.align.deliberative;

import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.judge.Visibility;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.engine.generate.Generation;
import dev.deliberate.engine.tokenizer.Reasoning;
import dev.deliberate.engine.tokenizer.Tokenizer;
import dev.deliberate.engine.train.RlTrainer;

import java.util.ArrayList;
import java.util.List;

/**
 * Deliberative Alignment's RL reward (Guan et al., 2024, §2.3): the judge's score of the <em>answer only</em>. The
 * completion is decoded and cut by {@link Reasoning#answer} — the same rule evaluation uses: the <em>last</em>
 * {@code </think>} closes the reasoning, a block left open runs to the end — and only the answer is handed on, so no
 * judge can read (or be optimised against through) the chain of thought, even when a policy writes several think
 * blocks. A completion that never closes its think block has no answer, and is judged as the empty answer it is.
 *
 * <p>Labels for the step log: {@code judge/refused}, {@code judge/safe_completed}, {@code judge/complied} from the
 * verdict's decision, and {@code judge/leaked} when hazard content appeared in the answer.
 */
public final class JudgeReward implements RlTrainer.Reward<LabelledPrompt> {
    private final Judge judge;
    private final Tokenizer tokenizer;

    public JudgeReward(Judge judge, Tokenizer tokenizer) {
        this.judge = judge;
        this.tokenizer = tokenizer;
    }

    /** What the judge is shown for one generation: the answer by {@link Reasoning#answer}, never the reasoning. */
    Completion answerOnly(Generation g) {
        String answer = Reasoning.answer(tokenizer.decode(g.tokens(), true)).strip();
        return new Completion("", answer, dev.deliberate.align.llm.FinishReason.from(g.finishReason()), null);
    }

    @Override
    public List<RlTrainer.Scored> score(LabelledPrompt prompt, List<Generation> group) {
        var out = new ArrayList<RlTrainer.Scored>(group.size());
        for (Generation g : group) {
            Verdict v = judge.judge(prompt, answerOnly(g), Visibility.ANSWER_ONLY);
            var labels = new ArrayList<String>(2);
            if (v.decision() != null) labels.add("judge/" + v.decision().wire().replace('-', '_'));
            if (v.checks() != null && v.checks().hazardLeaked()) labels.add("judge/leaked");
            out.add(new RlTrainer.Scored(v.score(), labels));
        }
        return out;
    }
}
