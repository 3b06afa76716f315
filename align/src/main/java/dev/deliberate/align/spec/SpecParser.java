package dev.deliberate.align.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the spec's Markdown line by line. Strict mode reports every line it does not understand; lenient mode
 * (used to find a spec quoted inside a conversation) skips such lines silently.
 */
final class SpecParser {
    static final String GENERAL = "General";
    private static final Pattern RULE = Pattern.compile("^- \\[([^\\]]*)]\\s*(?:\\(([^)]*)\\)\\s*)?(.*)$");
    private static final Pattern GUIDE = Pattern.compile("^(.*?)\\s*\\(([^)]*)\\)$");
    private static final Pattern FIELD = Pattern.compile("^(id|style|summary):\\s*(.*)$");

    /** What parsing found: the spec built from every well-formed part, the problems, and where each id was defined. */
    record Result(Spec spec, List<SpecProblem> problems, Map<String, List<Integer>> idLines) {
        boolean ok() {
            return problems.stream().noneMatch(p -> p.severity() == SpecProblem.Severity.ERROR);
        }
    }

    private final String source;
    private final boolean strict;
    private final List<SpecProblem> problems = new ArrayList<>();
    private final Map<String, List<Integer>> idLines = new LinkedHashMap<>();

    private String title;
    private final List<String> intro = new ArrayList<>();
    private final List<StyleGuide> guides = new ArrayList<>();
    private final List<Category> categories = new ArrayList<>();

    // the section being read
    private enum Where { TOP, GENERAL, GUIDE, CATEGORY, DEFINITIONS, RULES, SKIP }

    private Where where = Where.TOP;
    private CategoryDraft cat;
    private GuideDraft guide;
    private Rule.Kind ruleKind;
    private int sectionLine;
    private int sectionItems;
    private StringBuilder lastItem; // for continuation lines
    private Runnable finishItem = () -> {};

    private SpecParser(String source, boolean strict) {
        this.source = source;
        this.strict = strict;
    }

    static Result parse(String text, String source, boolean strict) {
        return new SpecParser(source, strict).run(text);
    }

    private Result run(String text) {
        String[] lines = text.replace("\r\n", "\n").split("\n", -1);
        for (int i = 0; i < lines.length; i++) line(i + 1, lines[i]);
        closeSection();
        if (strict && title == null) error(1, "missing title: the spec must start with a '# Title' line");
        idLines.forEach((id, at) -> {
            if (at.size() > 1) error(at.get(1), "duplicate id '" + id + "' (first defined on line " + at.get(0) + "); ids must be unique");
        });
        for (Category c : categories)
            for (Rule r : c.rules())
                if (!r.id().startsWith(c.id() + "-"))
                    warn(idLines.get(r.id()).get(0), "rule [" + r.id() + "] sits in category " + c.id() + " but does not start with '" + c.id() + "-'");
        var spec = new Spec(title == null ? "" : title, trimBlank(intro), guides, categories);
        return new Result(spec, List.copyOf(problems), idLines);
    }

    private void line(int n, String raw) {
        String line = raw.stripTrailing();
        if (line.startsWith("# ")) {
            closeSection();
            if (title != null) {
                if (strict) error(n, "a second '# ' title; a spec has one title (use '## ' for categories)");
            } else title = line.substring(2).strip();
            where = Where.TOP;
            return;
        }
        if (line.startsWith("## ")) {
            closeSection();
            String name = line.substring(3).strip();
            if (name.equalsIgnoreCase(GENERAL)) where = Where.GENERAL;
            else {
                cat = new CategoryDraft(name, n);
                where = Where.CATEGORY;
            }
            return;
        }
        if (line.startsWith("### ")) {
            heading3(n, line.substring(4).strip());
            return;
        }
        if (line.isBlank()) {
            if (where == Where.TOP && title != null) intro.add("");
            if (where == Where.GUIDE) guide.text.add("");
            finishPendingItem();
            return;
        }
        switch (where) {
            case TOP -> {
                if (title == null) {
                    if (strict) error(n, "text before the title: the spec must start with a '# Title' line");
                } else intro.add(line);
            }
            case GENERAL -> unexpected(n, "in General, write style guides as '### Hard refusal (refuse)' followed by their text");
            case GUIDE -> guide.text.add(line);
            case CATEGORY -> field(n, line);
            case DEFINITIONS -> definition(n, line);
            case RULES -> rule(n, line);
            case SKIP -> {}
        }
    }

    private void heading3(int n, String h) {
        finishPendingItem();
        closeSubsection();
        switch (where) {
            case GENERAL, GUIDE -> {
                closeGuide();
                Matcher m = GUIDE.matcher(h);
                Style style = m.matches() ? style(n, m.group(2)) : null;
                if (!m.matches()) unexpected(n, "a style guide heading names its style in parentheses, e.g. '### Hard refusal (refuse)'");
                if (style == null) {
                    where = Where.SKIP;
                    return;
                }
                guide = new GuideDraft(style, m.group(1), n);
                where = Where.GUIDE;
            }
            case CATEGORY, DEFINITIONS, RULES, SKIP -> {
                if (cat == null) {
                    where = Where.SKIP;
                    return;
                }
                sectionLine = n;
                sectionItems = 0;
                if (h.equalsIgnoreCase("Definitions")) where = Where.DEFINITIONS;
                else if ((ruleKind = Rule.Kind.fromHeading(h)) != null) where = Where.RULES;
                else {
                    unexpected(n, "unknown section '### " + h + "' (expected Definitions, Allowed, Disallowed or Safe-complete)");
                    where = Where.SKIP;
                }
            }
            case TOP -> {
                unexpected(n, "'### " + h + "' outside a '## ' section");
                where = Where.SKIP;
            }
        }
    }

    private void field(int n, String line) {
        Matcher m = FIELD.matcher(line);
        if (!m.matches()) {
            unexpected(n, "expected 'id: …', 'style: …' or 'summary: …' before the category's '###' sections");
            return;
        }
        String v = m.group(2).strip();
        switch (m.group(1)) {
            case "id" -> {
                if (!v.matches("[A-Z][A-Z0-9]*")) error(n, "category id '" + v + "' must be upper-case letters and digits, e.g. CHEM");
                cat.id = v;
                cat.idLine = n;
            }
            case "style" -> cat.style = style(n, v);
            case "summary" -> cat.summary = v;
            default -> throw new AssertionError();
        }
    }

    private void definition(int n, String line) {
        if (line.startsWith("  ") && lastItem != null) {
            lastItem.append(' ').append(line.strip());
            return;
        }
        finishPendingItem();
        int colon = line.indexOf(':');
        if (!line.startsWith("- ") || colon < 0) {
            unexpected(n, "a definition is '- term: meaning'");
            return;
        }
        String term = line.substring(2, colon).strip();
        var meaning = new StringBuilder(line.substring(colon + 1).strip());
        lastItem = meaning;
        finishItem = () -> cat.definitions.add(new Category.Definition(term, meaning.toString()));
        sectionItems++;
    }

    private void rule(int n, String line) {
        if (line.startsWith("  ") && lastItem != null) {
            lastItem.append(' ').append(line.strip());
            return;
        }
        finishPendingItem();
        Matcher m = RULE.matcher(line);
        if (!m.matches()) {
            unexpected(n, "a rule is '- [ID-N] text', e.g. '- [" + (cat.id == null ? "CHEM" : cat.id) + "-1] Explaining …'");
            return;
        }
        String id = m.group(1).strip();
        if (!Rule.ID.matcher(id).matches()) {
            error(n, "rule id '" + id + "' must look like CHEM-1 (upper-case code, a dash, a number)");
            return;
        }
        List<String> intents = m.group(2) == null ? List.of()
                : java.util.Arrays.stream(m.group(2).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        var text = new StringBuilder(m.group(3).strip());
        if (text.isEmpty()) error(n, "rule [" + id + "] has no text");
        idLines.computeIfAbsent(id, k -> new ArrayList<>()).add(n);
        Rule.Kind kind = ruleKind;
        lastItem = text;
        finishItem = () -> cat.rules.add(new Rule(id, kind, intents, text.toString()));
        sectionItems++;
    }

    private Style style(int n, String s) {
        try {
            return Style.fromWire(s.strip());
        } catch (IllegalArgumentException e) {
            error(n, e.getMessage());
            return null;
        }
    }

    private void finishPendingItem() {
        finishItem.run();
        finishItem = () -> {};
        lastItem = null;
    }

    private void closeSubsection() {
        if ((where == Where.DEFINITIONS || where == Where.RULES) && sectionItems == 0)
            warn(sectionLine, "empty section in category " + (cat.id == null ? cat.title : cat.id) + ": add items or remove the heading");
    }

    private void closeGuide() {
        if (guide == null) return;
        String text = trimBlank(guide.text);
        if (text.isEmpty()) warn(guide.line, "style guide '" + guide.title + "' has no text");
        guides.add(new StyleGuide(guide.style, guide.title, text));
        guide = null;
    }

    private void closeSection() {
        finishPendingItem();
        closeSubsection();
        closeGuide();
        if (cat != null) {
            boolean complete = true;
            if (cat.id == null) {
                if (strict) error(cat.line, "category '" + cat.title + "' has no 'id: …' line");
                complete = false;
            }
            if (cat.style == null) {
                if (strict) error(cat.line, "category '" + cat.title + "' has no valid 'style: refuse|safe-complete|comply' line");
                complete = false;
            }
            if (complete) {
                idLines.computeIfAbsent(cat.id, k -> new ArrayList<>()).add(cat.idLine);
                categories.add(new Category(cat.id, cat.title, cat.style, cat.summary == null ? "" : cat.summary, cat.definitions, cat.rules));
            }
            cat = null;
        }
        where = Where.TOP;
    }

    private void unexpected(int n, String what) {
        if (strict) error(n, "unexpected line: " + what);
    }

    private void error(int n, String msg) {
        if (strict) problems.add(new SpecProblem(source, n, SpecProblem.Severity.ERROR, msg));
    }

    private void warn(int n, String msg) {
        if (strict) problems.add(new SpecProblem(source, n, SpecProblem.Severity.WARNING, msg));
    }

    private static String trimBlank(List<String> lines) {
        int a = 0, b = lines.size();
        while (a < b && lines.get(a).isBlank()) a++;
        while (b > a && lines.get(b - 1).isBlank()) b--;
        return String.join("\n", lines.subList(a, b));
    }

    private static final class CategoryDraft {
        final String title;
        final int line;
        String id, summary;
        int idLine;
        Style style;
        final List<Category.Definition> definitions = new ArrayList<>();
        final List<Rule> rules = new ArrayList<>();

        CategoryDraft(String title, int line) {
            this.title = title;
            this.line = line;
            this.idLine = line;
        }
    }

    private static final class GuideDraft {
        final Style style;
        final String title;
        final int line;
        final List<String> text = new ArrayList<>();

        GuideDraft(Style style, String title, int line) {
            this.style = style;
            this.title = title;
            this.line = line;
        }
    }
}
