package dev.deliberate.align.deliberative;

import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.data.PromptMix;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.world.SpecWorld;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A small SpecWorld and teachers for the generator tests. */
public final class GenerationFixtures {
    private GenerationFixtures() {}

    public static final SpecWorld.World WORLD = SpecWorld.builtin().generate(new SpecWorld.Config(7, 12, 8, 0.25));

    /** {@code n} train prompts, a fifth of the safety ones attacked with seen families, general tasks mixed in. */
    public static List<LabelledPrompt> prompts(int n) {
        return PromptMix.select(WORLD.train(), 0.15, 0.2, Attacks.seen(Attacks.builtin()), 3, n);
    }

    public static ScriptedTeacher teacher(String knobs) {
        return ScriptedTeacher.fromRef("world:teacher?" + knobs);
    }

    /** Delegates to a teacher and throws once it has answered {@code failAfter} calls: a kill in the middle of a run. */
    public static final class Failing implements ChatModel {
        private final ChatModel inner;
        private final int failAfter;
        final AtomicInteger calls = new AtomicInteger();

        public Failing(ChatModel inner, int failAfter) {
            this.inner = inner;
            this.failAfter = failAfter;
        }

        @Override
        public String id() {
            return inner.id();
        }

        @Override
        public List<Completion> chat(List<Message> messages, SamplingParams params) {
            if (calls.incrementAndGet() > failAfter) throw new IllegalStateException("killed after " + failAfter + " teacher calls");
            return inner.chat(messages, params);
        }
    }

    /** Hides that a model is the scripted teacher, so generators take their any-model path. */
    public record Opaque(ChatModel inner) implements ChatModel {
        @Override
        public String id() {
            return inner.id();
        }

        @Override
        public List<Completion> chat(List<Message> messages, SamplingParams params) {
            return inner.chat(messages, params);
        }
    }
}
