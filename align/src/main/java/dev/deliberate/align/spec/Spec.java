package dev.deliberate.align.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A written safety specification: categories with numbered rules, and style guides for each way of answering.
 * Value semantics: two specs are equal when they {@link #render()} to the same Markdown.
 *
 * <p>The Markdown format (see the built-in {@code specworld.md}):
 * <pre>
 * # Title
 * intro paragraphs
 * ## General
 * ### Hard refusal (refuse)            one guide per style: refuse | safe-complete | comply
 * guide text
 * ## Dangerous chemicals               one section per category
 * id: CHEM
 * style: refuse                        how the category's harmful requests are answered
 * summary: one line, shown for every category in spec(category)
 * ### Definitions
 * - term: meaning (also: alias, alias)
 * ### Allowed | ### Disallowed | ### Safe-complete
 * - [CHEM-2] (harmful-operational) rule text; optional intent tags in parentheses;
 *   indented lines continue an item
 * </pre>
 */
public final class Spec {
    public static final String DEFAULT_RESOURCE = "/dev/deliberate/align/spec/specworld.md";

    private final String title;
    private final String intro;
    private final List<StyleGuide> styleGuides;
    private final List<Category> categories;

    public Spec(String title, String intro, List<StyleGuide> styleGuides, List<Category> categories) {
        this.title = Objects.requireNonNull(title);
        this.intro = Objects.requireNonNull(intro);
        this.styleGuides = List.copyOf(styleGuides);
        this.categories = List.copyOf(categories);
    }

    /** Parses Markdown strictly; every problem is reported with its line in a {@link SpecParseException}. */
    public static Spec parse(String markdown, String source) {
        var r = SpecParser.parse(markdown, source, true);
        if (!r.ok()) throw new SpecParseException(r.problems().stream().filter(p -> p.severity() == SpecProblem.Severity.ERROR).toList());
        return r.spec();
    }

    public static Spec load(Path file) throws IOException {
        return parse(readUtf8(file), file.toString());
    }

    /**
     * The file as UTF-8; a byte sequence that is not UTF-8 is an {@link IOException} naming the file, line and column
     * ("Input length = 1" says nothing).
     */
    public static String readUtf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        var in = java.nio.ByteBuffer.wrap(bytes);
        var out = java.nio.CharBuffer.allocate(bytes.length + 1);
        var result = decoder.decode(in, out, true);
        if (result.isError()) {
            int at = in.position(), line = 1, col = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    col = 1;
                } else if ((bytes[i] & 0xC0) != 0x80) col++;
            }
            throw new IOException(file + ":" + line + ": byte 0x" + String.format("%02X", bytes[at] & 0xff) + " at column " + col
                    + " is not valid UTF-8; save the spec as UTF-8");
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** SpecWorld's built-in spec: eight categories about fictional hazards. */
    public static Spec defaultSpec() {
        return parse(defaultMarkdown(), "builtin:specworld.md");
    }

    public static String defaultMarkdown() {
        try (InputStream in = Spec.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) throw new IllegalStateException("resource " + DEFAULT_RESOURCE + " missing from the build");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Finds whatever spec text a conversation quotes: categories, rules and style guides, skipping every line
     * that is not spec Markdown. Empty when the text holds no category.
     */
    public static Optional<Spec> scan(String text) {
        Spec s = SpecParser.parse(text, "context", false).spec();
        return s.categories.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    public String title() {
        return title;
    }

    public String intro() {
        return intro;
    }

    public List<StyleGuide> styleGuides() {
        return styleGuides;
    }

    public List<Category> categories() {
        return categories;
    }

    public Optional<Category> category(String id) {
        return categories.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    public Optional<StyleGuide> guide(Style style) {
        return styleGuides.stream().filter(g -> g.style() == style).findFirst();
    }

    public Optional<Rule> rule(String id) {
        return rules().filter(r -> r.id().equals(id)).findFirst();
    }

    public Stream<Rule> rules() {
        return categories.stream().flatMap(c -> c.rules().stream());
    }

    /** The category a rule belongs to. */
    public Optional<Category> categoryOf(String ruleId) {
        return categories.stream().filter(c -> c.rules().stream().anyMatch(r -> r.id().equals(ruleId))).findFirst();
    }

    /** The ids of this spec's rules that a text (a chain of thought) cites, in order of first mention. */
    public List<String> citations(String text) {
        var known = rules().map(Rule::id).collect(java.util.stream.Collectors.toSet());
        var out = new java.util.LinkedHashSet<String>();
        var m = Rule.ID.matcher(text);
        while (m.find()) if (known.contains(m.group())) out.add(m.group());
        return List.copyOf(out);
    }

    /** The canonical Markdown; {@code parse(render())} gives back an equal spec. */
    public String render() {
        return render(null);
    }

    /**
     * spec(category) in Deliberative Alignment's sense: the summaries of all categories, the style guides, and the
     * full text of one category, so the context stays short and focused. It is itself a valid spec. {@code null}
     * (or an unknown id) gives the summaries and style guides only, for prompts outside every category.
     */
    public String excerpt(String categoryId) {
        return render(categoryId == null ? "" : categoryId);
    }

    private String render(String fullCategory) {
        var b = new StringBuilder();
        b.append("# ").append(title).append("\n\n");
        if (!intro.isEmpty()) b.append(intro).append("\n\n");
        if (!styleGuides.isEmpty()) {
            b.append("## ").append(SpecParser.GENERAL).append("\n\n");
            for (StyleGuide g : styleGuides) {
                b.append("### ").append(g.title()).append(" (").append(g.style().wire()).append(")\n\n");
                if (!g.text().isEmpty()) b.append(g.text()).append("\n\n");
            }
        }
        for (Category c : categories) {
            b.append("## ").append(c.title()).append("\n\n");
            b.append("id: ").append(c.id()).append('\n');
            b.append("style: ").append(c.style().wire()).append('\n');
            if (!c.summary().isEmpty()) b.append("summary: ").append(c.summary()).append('\n');
            b.append('\n');
            if (fullCategory != null && !fullCategory.equals(c.id())) continue;
            if (!c.definitions().isEmpty()) {
                b.append("### Definitions\n\n");
                for (var d : c.definitions()) b.append("- ").append(d.term()).append(": ").append(d.meaning()).append('\n');
                b.append('\n');
            }
            for (Rule.Kind k : Rule.Kind.values()) {
                List<Rule> rs = c.rules(k);
                if (rs.isEmpty()) continue;
                b.append("### ").append(k.heading()).append("\n\n");
                for (Rule r : rs) b.append(r.line()).append('\n');
                b.append('\n');
            }
        }
        return b.toString().stripTrailing() + "\n";
    }

    /** A stable fingerprint for provenance: the first 16 hex digits of SHA-256 over {@link #render()}. */
    public String hash() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(render().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Spec s && s.render().equals(render());
    }

    @Override
    public int hashCode() {
        return render().hashCode();
    }

    @Override
    public String toString() {
        return "Spec[" + title + ", " + categories.size() + " categories, " + hash() + "]";
    }
}
