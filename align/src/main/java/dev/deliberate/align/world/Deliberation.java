package dev.deliberate.align.world;

import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.spec.Style;

import java.util.Arrays;
import java.util.List;

/**
 * One chain of thought of the scripted teacher, kept as its steps so a process-level builder can branch it.
 *
 * @param steps    the CoT steps in order; {@link #reasoning()} joins them with blank lines
 * @param answer   the final answer
 * @param style    the style the answer is written in
 * @param course   how the chain went (sound, drifting, reflecting)
 * @param errors   errors injected by the error-rate knob (empty for a clean sample)
 * @param category the category the teacher settled on ({@code general} for tasks, {@code ?} without a spec)
 * @param cited    the rule ids the CoT cites
 */
public record Deliberation(List<String> steps, String answer, Style style, Course course, List<ScriptedTeacher.ErrorKind> errors,
                           String category, List<String> cited) {
    public Deliberation {
        steps = List.copyOf(steps);
        errors = List.copyOf(errors);
        cited = List.copyOf(cited);
        for (String s : steps)
            if (s.contains("\n\n")) throw new IllegalArgumentException("a CoT step may not contain a blank line: " + s);
    }

    public String reasoning() {
        return String.join("\n\n", steps);
    }

    public Completion completion() {
        int r = words(reasoning()), a = words(answer);
        return new Completion(reasoning(), answer, "stop", new Completion.Usage(-1, r + a, r));
    }

    /** The steps of any chain of thought: paragraphs separated by blank lines, as the teacher writes them. */
    public static List<String> steps(String reasoning) {
        return Arrays.stream(reasoning.split("\n\\s*\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    static int words(String s) {
        return s.isBlank() ? 0 : s.strip().split("\\s+").length;
    }
}
