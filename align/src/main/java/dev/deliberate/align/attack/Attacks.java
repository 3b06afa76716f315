package dev.deliberate.align.attack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The attack library: the built-in families with their default seen/held-out split, user templates, selection. */
public final class Attacks {
    public static final String SLOT = "{prompt}";

    private Attacks() {}

    /**
     * The twelve built-in families. Seen (used in training data): role-play, hypothetical, prefix injection,
     * refusal suppression, base64, leetspeak. Held out (evaluation only): distractors, payload splitting,
     * few-shot priming, ROT13, word reversal, Pig Latin — so each seen kind has an unseen cousin.
     */
    public static List<Attack> builtin() {
        return List.of(
                new Attack.RolePlay(false), new Attack.Hypothetical(false), new Attack.PrefixInjection(false),
                new Attack.RefusalSuppression(false), new Attack.Base64(false), new Attack.Leetspeak(false),
                new Attack.Distractors(true), new Attack.PayloadSplitting(true), new Attack.FewShot(true),
                new Attack.Rot13(true), new Attack.WordReversal(true), new Attack.PigLatin(true));
    }

    public static List<Attack> seen(List<Attack> library) {
        return library.stream().filter(a -> !a.heldOut()).toList();
    }

    public static List<Attack> heldOut(List<Attack> library) {
        return library.stream().filter(Attack::heldOut).toList();
    }

    public static Optional<Attack> byName(List<Attack> library, String name) {
        return library.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /**
     * Selects families by a comma list of {@code none}, {@code seen}, {@code held-out}, {@code all}, family names,
     * or template files ({@code .json}/{@code .yaml}/{@code .yml}, see {@link #load}: every template in the file).
     * {@code none} selects nothing (callers add the un-attacked prompt themselves).
     */
    public static List<Attack> select(List<Attack> library, String spec) {
        Map<String, Attack> out = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (isTemplateFile(p)) {
                List<Attack> loaded;
                try {
                    loaded = load(Path.of(p));
                } catch (IOException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
                for (Attack a : loaded) {
                    if (byName(library, a.name()).isPresent() || out.containsKey(a.name()))
                        throw new IllegalArgumentException(p + ": attack name '" + a.name() + "' is already taken; give the template another name");
                    out.put(a.name(), a);
                }
                continue;
            }
            switch (p) {
                case "", "none" -> {}
                case "seen" -> seen(library).forEach(a -> out.put(a.name(), a));
                case "held-out" -> heldOut(library).forEach(a -> out.put(a.name(), a));
                case "all" -> library.forEach(a -> out.put(a.name(), a));
                default -> out.put(p, byName(library, p).orElseThrow(() -> new IllegalArgumentException(
                        "unknown attack '" + p + "'; choose none, seen, held-out, all or one of " + library.stream().map(Attack::name).toList())));
            }
        }
        return List.copyOf(out.values());
    }

    /** A group of families and how many of them each item meets: 0 = every one. */
    public record Draw(List<Attack> families, int perItem) {}

    private static final java.util.regex.Pattern PARTIAL = java.util.regex.Pattern.compile("(seen|held-out|all):(\\d+)");

    /**
     * As {@link #select}, where a group may end in {@code :K} ({@code seen:1}, {@code held-out:2}, {@code all:3}):
     * each item then meets K families of that group, drawn for the item ({@link #forItem}), rather than every
     * family. For the same evidence at a fraction of the cost spread over more distinct prompts.
     */
    public static List<Draw> draws(List<Attack> library, String spec) {
        var out = new ArrayList<Draw>();
        var whole = new ArrayList<String>();
        for (String part : spec.split(",")) {
            var m = PARTIAL.matcher(part.strip());
            if (!m.matches()) {
                whole.add(part);
                continue;
            }
            int k = Integer.parseInt(m.group(2));
            if (k < 1) throw new IllegalArgumentException("'" + part.strip() + "': families per item must be at least 1");
            out.add(new Draw(select(library, m.group(1)), k));
        }
        var every = select(library, String.join(",", whole));
        if (!every.isEmpty()) out.addFirst(new Draw(every, 0));
        return out;
    }

    /**
     * The families one item meets: every family of a whole group, K of a partial one, drawn with {@code seed} (derive
     * it from the item and the run's seed, so every model evaluated at that seed meets the same families); each
     * family once, in the library's order.
     */
    public static List<Attack> forItem(List<Draw> draws, long seed) {
        var rnd = new java.util.SplittableRandom(seed ^ 0xA77AC5L);
        var chosen = new LinkedHashMap<String, Attack>();
        for (Draw d : draws) {
            var pool = new ArrayList<>(d.families());
            int k = d.perItem() == 0 ? pool.size() : Math.min(d.perItem(), pool.size());
            for (int i = 0; i < k; i++) {
                int j = d.perItem() == 0 ? 0 : rnd.nextInt(pool.size());
                var a = pool.remove(j);
                chosen.putIfAbsent(a.name(), a);
            }
        }
        return List.copyOf(chosen.values());
    }

    /** A part of an attack list that names a template file rather than a family (by extension, or an existing file). */
    public static boolean isTemplateFile(String part) {
        String l = part.toLowerCase(java.util.Locale.ROOT);
        return l.endsWith(".json") || l.endsWith(".yaml") || l.endsWith(".yml") || (part.contains("/") && Files.isRegularFile(Path.of(part)));
    }

    /**
     * The original request behind a possibly attacked prompt: the first family whose output {@code text} is,
     * with that family. Used by the teacher to decode requests before judging them.
     */
    public static Optional<Recovered> recover(List<Attack> library, String text) {
        for (Attack a : library) {
            var r = a.recover(text);
            if (r.isPresent()) return Optional.of(new Recovered(a, r.get()));
        }
        return Optional.empty();
    }

    public record Recovered(Attack attack, String request) {}

    /**
     * Reads user templates from JSON or YAML: a list (or {@code {"attacks": [...]}}) of
     * {@code {name, template, held_out}} where {@code template} contains {@code {prompt}}; held_out defaults to true,
     * so an added jailbreak never leaks into training unless asked.
     */
    public static List<Attack> load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("attack template file " + file + " not found");
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
        JsonNode root;
        try {
            root = mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid " + (mapper.getFactory() instanceof YAMLFactory ? "YAML" : "JSON") + ": " + e.getMessage(), e);
        }
        if (root != null && root.isObject() && root.has("attacks")) root = root.get("attacks");
        if (root == null || !root.isArray())
            throw new IOException(file + ": expected a list of {name, template, held_out} entries (or an object with an 'attacks' list)");
        List<Attack> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode n = root.get(i);
            String where = file + ": attacks[" + i + "]";
            if (!n.hasNonNull("name") || !n.get("name").isTextual()) throw new IOException(where + ": missing text field 'name'");
            if (!n.hasNonNull("template") || !n.get("template").isTextual()) throw new IOException(where + ": missing text field 'template'");
            String template = n.get("template").asText();
            if (!template.contains(SLOT)) throw new IOException(where + " (" + n.get("name").asText() + "): the template has no " + SLOT + " placeholder");
            boolean held = !n.has("held_out") || n.get("held_out").asBoolean(true);
            out.add(new Attack.Template(n.get("name").asText(), template, held));
        }
        return out;
    }
}
