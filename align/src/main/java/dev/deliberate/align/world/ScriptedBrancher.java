package dev.deliberate.align.world;

import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.ReasoningBrancher;

import java.util.List;
import java.util.Optional;

/**
 * PP-COT branches from SpecWorld's teacher through its {@link Course} API: with one seed, the chain that reflects at
 * the branch step ({@code Course.reflect(b, b)}) and the chain that drifts from it ({@code Course.drift(b)}) or reflects
 * one step later ({@code Course.reflect(b, b + 1)}) share their first {@code b} steps exactly.
 */
final class ScriptedBrancher implements ReasoningBrancher {
    private final ScriptedTeacher teacher;
    private final List<Message> prompt;
    private final long seed;
    private final int steps;

    /** @param prompt the spec-augmented teacher prompt */
    ScriptedBrancher(ScriptedTeacher teacher, List<Message> prompt, long seed) {
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
    public String method() {
        return "scripted-course";
    }

    @Override
    public Optional<Branches> branch(int step, boolean late, long ignored) {
        Deliberation chosen = teacher.deliberate(prompt, seed, Course.reflect(step, step));
        Deliberation rejected = teacher.deliberate(prompt, seed, late ? Course.reflect(step, step + 1) : Course.drift(step));
        return Optional.of(new Branches(chain(chosen), chain(rejected), late ? "late-reflection" : "drift"));
    }

    private static Chain chain(Deliberation d) {
        return new Chain(d.steps(), d.answer());
    }
}
