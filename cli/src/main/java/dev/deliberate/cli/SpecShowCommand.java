package dev.deliberate.cli;

import dev.deliberate.align.spec.Category;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.spec.SpecParseException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print a spec (the built-in SpecWorld spec unless --file) as canonical Markdown, or with --category "
                + "the excerpt spec(category) that Deliberative Alignment puts in context.")
final class SpecShowCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Option(names = "--file", paramLabel = "FILE", description = "A spec in Markdown (default: the built-in spec).")
    Path file;

    @Option(names = "--category", paramLabel = "ID", description = "Print spec(ID): all summaries, the style guides and category ID in full.")
    String category;

    @Option(names = "--hash", description = "Print only the spec's hash (its provenance id).")
    boolean hash;

    @Override
    public Integer call() {
        Spec spec = SpecFiles.load(file);
        var out = cmd.commandLine().getOut();
        if (hash) out.println(spec.hash());
        else if (category == null) out.print(spec.render());
        else {
            if (spec.category(category).isEmpty())
                throw new UserError("no category '" + category + "' in the spec; categories: " + spec.categories().stream().map(Category::id).toList());
            out.print(spec.excerpt(category));
        }
        out.flush();
        return 0;
    }
}

/** Loading a spec for a command, with errors the user can act on. */
final class SpecFiles {
    private SpecFiles() {}

    static Spec load(Path file) {
        if (file == null) return Spec.defaultSpec();
        if (!Files.isRegularFile(file)) throw new UserError("spec file " + file + " does not exist");
        try {
            return Spec.load(file);
        } catch (SpecParseException e) {
            throw new UserError("invalid spec:\n" + e.getMessage() + "\n(run 'deliberate spec lint " + file + "' for all findings)");
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
    }
}
