package dev.deliberate.cli;

import dev.deliberate.align.spec.SpecLint;
import dev.deliberate.align.spec.SpecProblem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "lint", mixinStandardHelpOptions = true,
        description = "Check a spec: malformed lines, duplicate ids, unknown styles, empty sections, styles without a "
                + "guide, and with --data the rules no record cites. Exits 1 when there are errors.")
final class SpecLintCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Parameters(paramLabel = "FILE", description = "The spec in Markdown.")
    Path file;

    @Option(names = "--data", paramLabel = "JSONL", description = "A dataset (SpecWorld prompts, SFT or preference records) whose rule citations to check.")
    Path data;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) throw new UserError("spec file " + file + " does not exist");
        if (data != null && !Files.isRegularFile(data)) throw new UserError("data file " + data + " does not exist");
        SpecLint.Report report;
        try {
            report = SpecLint.lint(dev.deliberate.align.spec.Spec.readUtf8(file), file.toString(), data);
        } catch (IOException e) {
            throw new UserError(e.getMessage());
        }
        var out = cmd.commandLine().getOut();
        report.problems().forEach(out::println);
        long errors = report.problems().stream().filter(p -> p.severity() == SpecProblem.Severity.ERROR).count();
        long warnings = report.problems().size() - errors;
        out.printf("%s: %d error(s), %d warning(s)%s%n", file, errors, warnings,
                data == null ? "" : String.format("; %d of %d rules cited by %s", report.rulesCited(), report.rulesTotal(), data));
        out.flush();
        return report.hasErrors() ? 1 : 0;
    }
}
