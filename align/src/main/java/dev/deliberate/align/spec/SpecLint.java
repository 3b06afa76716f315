package dev.deliberate.align.spec;

import dev.deliberate.align.io.Jsonl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Review aid for policy authors: everything the parser objects to (duplicate ids, unknown styles, malformed
 * lines, empty sections), categories without rules or whose rules contradict their style, styles without a
 * guide, and — given a dataset — rules that no record ever cites.
 */
public final class SpecLint {
    private SpecLint() {}

    public record Report(List<SpecProblem> problems, int rulesCited, int rulesTotal) {
        public boolean hasErrors() {
            return problems.stream().anyMatch(p -> p.severity() == SpecProblem.Severity.ERROR);
        }
    }

    /** @param data JSONL whose records cite rule ids anywhere (labels, CoTs); null to skip the coverage check */
    public static Report lint(String markdown, String source, Path data) throws IOException {
        var parsed = SpecParser.parse(markdown, source, true);
        var problems = new ArrayList<>(parsed.problems());
        Spec spec = parsed.spec();
        if (spec.categories().isEmpty())
            problems.add(new SpecProblem(source, 1, SpecProblem.Severity.ERROR,
                    markdown.isBlank() ? "the spec is empty: it needs at least one '## Category' section with id:, style: and rules"
                            : "the spec has no categories: it needs at least one '## Category' section with id:, style: and rules"));
        for (Category c : spec.categories()) {
            int line = parsed.idLines().getOrDefault(c.id(), List.of(0)).getFirst();
            if (c.rules().isEmpty())
                problems.add(new SpecProblem(source, line, SpecProblem.Severity.ERROR, "category " + c.id() + " is empty: it has no rules"));
            else if (c.rules().stream().noneMatch(r -> r.style() == c.style()) && c.style() != Style.COMPLY)
                problems.add(new SpecProblem(source, line, SpecProblem.Severity.WARNING,
                        "category " + c.id() + " has style " + c.style().wire() + " but no rule list that calls for it"));
        }
        Set<Style> used = new HashSet<>();
        spec.rules().forEach(r -> used.add(r.style()));
        for (Style s : used)
            if (spec.guide(s).isEmpty())
                problems.add(new SpecProblem(source, 0, SpecProblem.Severity.WARNING, "rules call for style " + s.wire() + " but General has no '### … (" + s.wire() + ")' guide"));
        int cited = 0, total = (int) spec.rules().count();
        if (data != null) {
            Set<String> seen = citedIds(data, spec);
            for (Rule r : spec.rules().toList()) {
                if (seen.contains(r.id())) cited++;
                else problems.add(new SpecProblem(source, parsed.idLines().get(r.id()).getFirst(), SpecProblem.Severity.WARNING,
                        "rule [" + r.id() + "] is never cited by " + data + ": no prompt exercises it"));
            }
        }
        problems.sort(java.util.Comparator.comparingInt(SpecProblem::line));
        return new Report(List.copyOf(problems), cited, total);
    }

    private static Set<String> citedIds(Path data, Spec spec) throws IOException {
        Set<String> known = new HashSet<>();
        spec.rules().forEach(r -> known.add(r.id()));
        Set<String> seen = new HashSet<>();
        try {
            for (var record : Jsonl.readTrees(data)) {
                Matcher m = Rule.ID.matcher(record.toString());
                while (m.find()) if (known.contains(m.group())) seen.add(m.group());
            }
        } catch (Jsonl.FormatException e) {
            throw new IOException(e.getMessage() + "; each line must be one JSON record", e);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return seen;
    }
}
