package dev.deliberate.align.deliberative;

import dev.deliberate.align.eval.harness.EvalBenchmark;
import dev.deliberate.align.eval.harness.EvalConfig;
import dev.deliberate.align.eval.harness.EvalJudges;
import dev.deliberate.align.eval.harness.EvalRunner;
import dev.deliberate.align.eval.metrics.Bootstrap;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.JudgeInput;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.judge.WorldJudge;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.engine.generate.FinishReason;
import dev.deliberate.engine.generate.Generation;
import dev.deliberate.engine.tokenizer.SpecialTokens;
import dev.deliberate.engine.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** Issue #12: on an output with two think blocks the RL reward's judge and the evaluation's judge grade the same answer. */
class OneAnswerRuleTest {

    static final String TWO_BLOCKS = "<think>\nThe request is a trap [VIO-2].\n</think>\n\nSure, here is a draft."
            + "<think>\nNo: [VIO-2] forbids it; refuse.\n</think>\n\nI'm sorry, but I can't help with that.";

    /** One token per character: decoding gives back exactly the text, so only the answer rule can differ. */
    static final class CharTokenizer implements Tokenizer {
        public int[] encode(String text, boolean addSpecialTokens) {
            return text.chars().toArray();
        }

        public Encoding encodeWithOffsets(String text, boolean addSpecialTokens) {
            throw new UnsupportedOperationException();
        }

        public String decode(int[] ids, boolean skipSpecialTokens) {
            return new String(ids, 0, ids.length);
        }

        public int vocabSize() {
            return 1 << 16;
        }

        public int tokenToId(String token) {
            throw new UnsupportedOperationException();
        }

        public String idToToken(int id) {
            return Character.toString(id);
        }

        public SpecialTokens specialTokens() {
            throw new UnsupportedOperationException();
        }

        public boolean isSpecial(int id) {
            return false;
        }
    }

    static Judge spy(List<JudgeInput> seen) {
        return new Judge() {
            public String id() {
                return "spy";
            }

            public Verdict judge(JudgeInput in) {
                seen.add(in);
                return WorldJudge.builtin().judge(in);
            }
        };
    }

    @Test
    void theRewardJudgeAndTheEvalJudgeSeeTheSameAnswer(@TempDir Path out) {
        var rewardSeen = new CopyOnWriteArrayList<JudgeInput>();
        var prompt = SpecWorld.builtin().generate(new SpecWorld.Config(7, 2, 2, 0.25)).train().stream().filter(p -> !p.isGeneral()).findFirst().orElseThrow();
        int[] ids = new CharTokenizer().encode(TWO_BLOCKS, false);
        new JudgeReward(spy(rewardSeen), new CharTokenizer()).score(prompt, List.of(new Generation(ids, new float[ids.length], FinishReason.EOS)));

        var evalSeen = new CopyOnWriteArrayList<JudgeInput>();
        ChatModel model = new ChatModel() {
            public String id() {
                return "two-blocks";
            }

            public List<Completion> chat(List<Message> messages, SamplingParams p) {
                return Collections.nCopies(p.n(), Completion.fromText(TWO_BLOCKS, "stop", null));
            }
        };
        var bench = EvalBenchmark.resolve("specworld-test", null, null, null, 1, 4);
        var cfg = EvalConfig.of("two", List.of(bench)).withAttacks("none").withBootstrap(new Bootstrap(50, 1, 0.95));
        EvalRunner.run(cfg, model, EvalJudges.world(spy(evalSeen)), out, null, EvalRunner.Listener.NONE);

        assertEquals(1, rewardSeen.size());
        assertFalse(evalSeen.isEmpty());
        String answer = "I'm sorry, but I can't help with that.";
        assertEquals(answer, rewardSeen.getFirst().shown().answer());
        for (var in : evalSeen) assertEquals(answer, in.shown().answer(), "the eval judge grades what the reward judge graded");
        assertEquals(answer, Completion.fromText(TWO_BLOCKS, "stop", null).answer());
    }
}
