package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.deliberate.align.io.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Run files for any command: a flat YAML or JSON mapping from option names (as on the command line, without the
 * dashes; {@code judge_runs} and {@code judge-runs} both work) to values. Values fill the options the command line
 * did not give, so flags override the file; an unknown key is an error naming the key and the file. Every run writes
 * the resolved configuration ({@link #resolved}) to {@code config.json} in its folder, and a rerun in the same folder
 * must agree with it on everything that shapes the data ({@link #checkCompatible}).
 */
public final class RunConfig {
    public static final String FILE = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Options that are about the run file, help or output, not the run. */
    private static final Set<String> NOT_CONFIG = Set.of("config", "help", "version", "verbose");

    private RunConfig() {}

    /** Reads a run file; a top-level that is not a mapping, or a malformed file, is a {@link UserError}. */
    public static Map<String, JsonNode> read(Path file) {
        if (!Files.isRegularFile(file)) throw new UserError("run file " + file + " does not exist");
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        JsonNode root;
        try {
            root = (yaml ? YAML : JSON).readTree(file.toFile());
        } catch (IOException e) {
            throw new UserError("run file " + file + " is not valid " + (yaml ? "YAML" : "JSON") + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) return Map.of();
        if (!root.isObject()) throw new UserError("run file " + file + " must be a mapping of option names to values, e.g. 'k: 8'");
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Fills the options of {@code cl}'s command that its command line left out with the run file's values. */
    public static void apply(CommandLine cl, Path file) {
        CommandSpec spec = cl.getCommandSpec();
        var parsed = cl.getParseResult();
        Map<String, OptionSpec> byKey = new TreeMap<>();
        for (OptionSpec o : spec.options()) byKey.put(key(o), o);
        for (var e : read(file).entrySet()) {
            String k = e.getKey().strip().replace('_', '-').replaceFirst("^--", "");
            OptionSpec o = byKey.get(k);
            if (o == null || NOT_CONFIG.contains(k))
                throw new UserError("run file " + file + ": unknown key '" + e.getKey() + "' (known keys: "
                        + String.join(", ", byKey.keySet().stream().filter(x -> !NOT_CONFIG.contains(x)).toList()) + ")");
            if (parsed != null && parsed.hasMatchedOption(o)) continue; // the flag wins
            o.setValue(o.isMultiValue() ? convertList(file, e.getKey(), e.getValue(), o) : convert(file, e.getKey(), e.getValue(), o.type()));
        }
    }

    /** A list option: a list of values, or one string split at the option's separator (as on the command line). */
    private static Object convertList(Path file, String key, JsonNode v, OptionSpec o) {
        if (!java.util.List.class.isAssignableFrom(o.type()))
            throw new IllegalStateException("run files cannot set options of type " + o.type().getSimpleName() + " (" + key + ")");
        Class<?> element = o.auxiliaryTypes().length > 0 ? o.auxiliaryTypes()[0] : String.class;
        var out = new ArrayList<Object>();
        if (v.isArray()) for (JsonNode x : v) out.add(convert(file, key, x, element));
        else if (!v.isNull()) {
            String sep = o.splitRegex().isEmpty() ? null : o.splitRegex();
            for (String part : sep == null ? new String[]{v.asText()} : v.asText().split(sep))
                if (!part.isBlank()) out.add(convert(file, key, new com.fasterxml.jackson.databind.node.TextNode(part.strip()), element));
        }
        return out;
    }

    private static Object convert(Path file, String key, JsonNode v, Class<?> type) {
        String where = "run file " + file + ": key '" + key + "'";
        if (v.isNull()) {
            if (type.isPrimitive()) throw new UserError(where + " needs a value");
            return null;
        }
        if (v.isContainerNode()) throw new UserError(where + " must be a single value, not a " + (v.isArray() ? "list" : "mapping"));
        String text = v.asText();
        try {
            if (type == String.class) return text;
            if (type == Path.class) return Path.of(text);
            if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
                // exact, never wrapped: 4294967297 is not 1
                boolean isInt = type == int.class || type == Integer.class;
                java.math.BigInteger x = exactInteger(v, text);
                java.math.BigInteger lo = java.math.BigInteger.valueOf(isInt ? Integer.MIN_VALUE : Long.MIN_VALUE);
                java.math.BigInteger hi = java.math.BigInteger.valueOf(isInt ? Integer.MAX_VALUE : Long.MAX_VALUE);
                if (x.compareTo(lo) < 0 || x.compareTo(hi) > 0)
                    throw new UserError(where + " is " + x + ", outside the range of " + (isInt ? "a 32-bit" : "a 64-bit") + " integer (" + lo + ".." + hi + ")");
                return isInt ? (Object) x.intValue() : (Object) x.longValue();
            }
            if (type == double.class || type == Double.class) return Double.parseDouble(text);
            if (type == boolean.class || type == Boolean.class) {
                if (v.isBoolean()) return v.booleanValue();
                if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) return Boolean.parseBoolean(text);
                throw new UserError(where + " must be true or false, got '" + text + "'");
            }
        } catch (NumberFormatException e) {
            throw new UserError(where + " must be " + (type == double.class || type == Double.class ? "a number" : "an integer") + ", got '" + text + "'");
        } catch (java.nio.file.InvalidPathException e) {
            throw new UserError(where + " is not a valid path: " + e.getReason());
        }
        throw new IllegalStateException("run files cannot set options of type " + type.getSimpleName() + " (" + key + ")");
    }

    /** The integer a run-file value holds exactly (a number without a fraction, or its digits as a string). */
    private static java.math.BigInteger exactInteger(JsonNode v, String text) {
        if (v.isIntegralNumber()) return v.bigIntegerValue();
        if (v.isNumber()) {
            java.math.BigDecimal d = v.decimalValue();
            if (d.stripTrailingZeros().scale() > 0) throw new NumberFormatException();
            return d.toBigIntegerExact();
        }
        if (!text.strip().matches("[-+]?\\d{1,40}")) throw new NumberFormatException();
        return new java.math.BigInteger(text.strip());
    }

    /** Every option of the command by its long name, with its value after flags and run file. */
    public static Map<String, Object> resolved(CommandSpec spec) {
        Map<String, Object> out = new TreeMap<>();
        for (OptionSpec o : spec.options()) {
            String k = key(o);
            if (NOT_CONFIG.contains(k)) continue;
            Object v = o.getValue();
            out.put(k, v instanceof Path p ? p.toString() : v);
        }
        return out;
    }

    /**
     * Refuses to continue a run folder whose {@code config.json} differs from {@code now} in a key that shapes the
     * data (every key but {@code mutable} ones such as {@code limit} or {@code threads}).
     */
    public static void checkCompatible(Path out, Map<String, Object> now, Set<String> mutable) {
        Path f = out.resolve(FILE);
        if (!Files.exists(f)) return;
        JsonNode before;
        try {
            before = JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new UserError(f + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + "); move the folder away or choose another --out");
        }
        JsonNode current;
        try {
            current = JSON.readTree(JSON.writeValueAsString(now)); // numbers as the file will hold them (1L reads back as an int)
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<String> diffs = new ArrayList<>();
        var keys = new java.util.TreeSet<String>();
        before.fieldNames().forEachRemaining(keys::add);
        current.fieldNames().forEachRemaining(keys::add);
        for (String k : keys) {
            if (mutable.contains(k)) continue;
            JsonNode a = before.path(k), b = current.path(k);
            if (!a.equals(b)) diffs.add(k + ": " + (a.isMissingNode() ? "(absent)" : a) + " -> " + (b.isMissingNode() ? "(absent)" : b));
        }
        if (!diffs.isEmpty())
            throw new UserError(out + " holds a run with a different configuration (" + String.join("; ", diffs)
                    + "); rerun with the same settings to resume it, or choose another --out");
    }

    public static void write(Path out, Map<String, Object> config) {
        ObjectNode n = JSON.valueToTree(config);
        try {
            AtomicFiles.writeString(out.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String key(OptionSpec o) {
        return o.longestName().replaceFirst("^-+", "");
    }
}
