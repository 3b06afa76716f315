package dev.deliberate.align.eval.score;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The papers' judge prompts and string lists, read from the bundled benchmark data (their SOURCE.txt gives each
 * upstream file and sha256; a test checks them), and filled in one pass so a response that itself contains
 * {@code {QUESTION}} is never substituted twice.
 */
final class Templates {

    private Templates() {}

    /** The bundled benchmark data folder on the classpath. */
    static final String DATA = "/dev/deliberate/align/eval/bench/data/";

    /** A file of the bundled benchmark data, {@code benchmark/file}. */
    static String resource(String name) {
        try (InputStream in = Templates.class.getResourceAsStream(DATA + name)) {
            if (in == null) throw new IllegalStateException("missing bundled resource " + DATA + name + "; rebuild the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The non-empty lines of a resource, verbatim (no trimming: the strings are matched exactly). */
    static List<String> lines(String name) {
        return resource(name).lines().filter(s -> !s.isEmpty()).toList();
    }

    /** Replaces each {@code {key}} of {@code values} in one left-to-right pass; every key must occur. */
    static String fill(String template, Map<String, String> values) {
        for (String k : values.keySet()) {
            if (!template.contains("{" + k + "}")) throw new IllegalArgumentException("template has no {" + k + "}");
        }
        var alternatives = String.join("|", values.keySet().stream().map(k -> Pattern.quote("{" + k + "}")).toList());
        Matcher m = Pattern.compile(alternatives).matcher(template);
        var out = new StringBuilder();
        while (m.find()) {
            String key = m.group().substring(1, m.group().length() - 1);
            m.appendReplacement(out, Matcher.quoteReplacement(values.get(key)));
        }
        m.appendTail(out);
        return out.toString();
    }
}
