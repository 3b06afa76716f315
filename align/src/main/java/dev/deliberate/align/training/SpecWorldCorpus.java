package dev.deliberate.align.training;

import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.deliberative.SpecAugmentedPrompt;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.ScriptedTeacher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Text made from SpecWorld for training from scratch: the general tasks with the scripted teacher's answers (a base
 * model's pretraining data, no safety content), and — for a tokenizer — every prompt with the teacher's whole
 * spec-informed completion, so rule ids and the think tags get their own tokens.
 */
public final class SpecWorldCorpus {
    private SpecWorldCorpus() {}

    /** The teacher's completion for a prompt, spec(category) in context for safety prompts. */
    public static Completion teach(ScriptedTeacher teacher, Spec spec, LabelledPrompt p, long seed) {
        List<Message> conv = List.of(Message.user(p.prompt()));
        List<Message> in = p.isGeneral() ? conv : SpecAugmentedPrompt.build(conv, spec.excerpt(p.category()));
        return teacher.chat(in, SamplingParams.greedy(4096).withSeed(seed)).getFirst();
    }

    /** General tasks answered without reasoning: prompt → answer conversations. */
    public static List<SftRecord> generalConversations(List<LabelledPrompt> prompts, ScriptedTeacher teacher, Spec spec) {
        return conversations(prompts.stream().filter(LabelledPrompt::isGeneral).toList(), teacher, spec, false, "specworld-general");
    }

    /** Deliberative SFT data straight from the teacher: prompt → {@code <think>CoT</think>} answer (spec stripped). */
    public static List<SftRecord> reasoningConversations(List<LabelledPrompt> prompts, ScriptedTeacher teacher, Spec spec) {
        return conversations(prompts, teacher, spec, true, "specworld");
    }

    private static List<SftRecord> conversations(List<LabelledPrompt> prompts, ScriptedTeacher teacher, Spec spec,
                                                 boolean withReasoning, String source) {
        var out = new ArrayList<SftRecord>();
        for (var p : prompts) {
            var c = teach(teacher, spec, p, 0);
            out.add(new SftRecord(List.of(new Turn("user", p.prompt()), new Turn("assistant", withReasoning ? c.text() : c.answer())),
                    Map.of("key", p.id(), "source", source, "teacher", teacher.id())));
        }
        return out;
    }

    /** Texts to train a tokenizer on: each prompt and its teacher completion with reasoning. */
    public static List<String> tokenizerTexts(List<LabelledPrompt> prompts, ScriptedTeacher teacher, Spec spec) {
        var out = new ArrayList<String>();
        for (var p : prompts) {
            out.add(p.prompt());
            out.add(teach(teacher, spec, p, 0).text());
        }
        return out;
    }
}
