package dev.deliberate.align.saro;

import dev.deliberate.align.llm.Message;
import dev.deliberate.align.world.Course;
import dev.deliberate.align.world.Deliberation;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.ScriptedTeacher;

import java.util.List;
import java.util.Optional;

/**
 * PP-COT branches from SpecWorld's teacher through its {@link Course} API: with one seed, the chain that reflects at
 * the branch step ({@code Course.reflect(b, b)}) and the chain that drifts from it ({@code Course.drift(b)}) or reflects
 * one step later ({@code Course.reflect(b, b + 1)}) share their first {@code b} steps exactly.
 */
public final class ScriptedBrancher implements ProcessPreferenceBuilder.Brancher {
    private final ScriptedTeacher teacher;
    private final List<Message> prompt;
    private final long seed;
    private final int steps;

    /** @param prompt the spec-augmented teacher prompt */
    public ScriptedBrancher(ScriptedTeacher teacher, List<Message> prompt, long seed) {
        this.teacher = teacher;
        this.prompt = prompt;
        this.seed = seed;
        this.steps = teacher.deliberate(prompt, seed, Course.SOUND).steps().size();
    }

    @Override
    public int steps() {
        return steps;
    }

    @Override
    public Optional<ProcessPreferenceBuilder.Branches> branch(LabelledPrompt item, int step, boolean late, long ignored) {
        Deliberation chosen = teacher.deliberate(prompt, seed, Course.reflect(step, step));
        Deliberation rejected = teacher.deliberate(prompt, seed, late ? Course.reflect(step, step + 1) : Course.drift(step));
        return Optional.of(new ProcessPreferenceBuilder.Branches(chain(chosen), chain(rejected), late ? "late-reflection" : "drift"));
    }

    private static ProcessPreferenceBuilder.Chain chain(Deliberation d) {
        return new ProcessPreferenceBuilder.Chain(d.steps(), d.answer());
    }
}
