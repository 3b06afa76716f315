package dev.deliberate.cli;

import dev.deliberate.align.attack.Attack;
import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.world.ScriptedTeacher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "teach", mixinStandardHelpOptions = true,
        description = "Show what SpecWorld's scripted teacher writes for a prompt: its chain of thought and answer, with "
                + "spec(category) in context (or --no-spec, to see it guess).")
final class WorldTeachCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Parameters(paramLabel = "PROMPT", description = "The user's request.")
    String prompt;

    @Option(names = "--category", paramLabel = "ID", description = "Put spec(ID) in context (default: the whole spec).")
    String category;

    @Option(names = "--no-spec", description = "Give the teacher no spec at all.")
    boolean noSpec;

    @Option(names = "--attack", paramLabel = "NAME", description = "Apply a built-in attack family to the prompt first.")
    String attack;

    @Option(names = "--teacher", defaultValue = ScriptedTeacher.ID, paramLabel = "REF",
            description = "Teacher reference with knobs, e.g. world:teacher?error=0.2&verbosity=0.5&drift=0.3 (default: ${DEFAULT-VALUE}).")
    String teacherRef;

    @Option(names = "--seed", defaultValue = "1", description = "Sample seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--spec", paramLabel = "FILE", description = "Use this spec instead of the built-in one.")
    Path specFile;

    @Override
    public Integer call() {
        ScriptedTeacher teacher;
        try {
            teacher = ScriptedTeacher.fromRef(teacherRef);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        String text = prompt;
        if (attack != null) {
            Attack a = Attacks.byName(Attacks.builtin(), attack).orElseThrow(() -> new UserError(
                    "unknown attack '" + attack + "'; choose one of " + Attacks.builtin().stream().map(Attack::name).toList()));
            text = a.apply(prompt, seed);
        }
        List<Message> conv;
        if (noSpec) conv = List.of(Message.user(text));
        else {
            Spec spec = SpecFiles.load(specFile);
            if (category != null && spec.category(category).isEmpty()) throw new UserError("no category '" + category + "' in the spec");
            conv = List.of(Message.system(category == null ? spec.render() : spec.excerpt(category)), Message.user(text));
        }
        var d = teacher.deliberate(conv, seed);
        var out = cmd.commandLine().getOut();
        if (attack != null) out.println("prompt: " + text + "\n");
        out.println(d.completion().text());
        out.flush();
        return 0;
    }
}
