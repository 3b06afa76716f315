package dev.deliberate.align.eval.harness;

import dev.deliberate.align.eval.analysis.Embedder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.eval.analysis.Pca;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The embedding map of prompt types (SaRO §5): each prompt's hidden representation projected onto the first two
 * principal components of all of them, coloured by type — harmful, jailbreak, educational, benign look-alike, general — to see
 * whether a model separates harmful intent from its disguises and from look-alikes.
 *
 * @param embedder  which representation
 * @param explained the share of variance along each of the two axes
 */
public record EmbeddingMap(String embedder, double[] explained, List<Point> points) {

    /** The prompt types on the map, in legend order. */
    public static final List<String> TYPES = List.of("harmful", "jailbreak", "educational", "benign-lookalike", "general");

    /** At most this many prompts per type are embedded (a fixed seeded choice), to bound the cost. */
    public static final int PER_TYPE = 100;

    public record Point(double x, double y, String type, String item, String attack) {}

    /** One prompt to place. */
    public record Prompt(String type, String item, String attack, String text) {}

    /** Maps the SpecWorld cases of a run; null when it has fewer than three such prompts. */
    static EmbeddingMap of(List<EvalCase> cases, Embedder embedder, long seed) {
        var byType = new LinkedHashMap<String, List<Prompt>>();
        var seen = new LinkedHashSet<String>();
        for (EvalCase c : cases) {
            if (c.world() == null || !TYPES.contains(c.promptType()) || !seen.add(c.prompt())) continue;
            byType.computeIfAbsent(c.promptType(), k -> new ArrayList<>()).add(new Prompt(c.promptType(), c.itemId(), c.attackName(), c.prompt()));
        }
        var chosen = new ArrayList<Prompt>();
        var rnd = new SplittableRandom(seed);
        for (String t : TYPES) {
            var ps = new ArrayList<>(byType.getOrDefault(t, List.of()));
            for (int i = ps.size() - 1; i > 0; i--) java.util.Collections.swap(ps, i, rnd.nextInt(i + 1));
            chosen.addAll(ps.subList(0, Math.min(PER_TYPE, ps.size())));
        }
        return chosen.size() < 3 ? null : of(chosen, embedder);
    }

    /** Embeds the prompts and projects them to 2-D by PCA. */
    public static EmbeddingMap of(List<Prompt> prompts, Embedder embedder) {
        if (prompts.size() < 3) throw new IllegalArgumentException("an embedding map needs at least 3 prompts, got " + prompts.size());
        double[][] rows = new double[prompts.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = embedder.embed(prompts.get(i).text());
            if (rows[i].length != rows[0].length)
                throw new IllegalStateException(embedder.id() + " gave " + rows[i].length + " dimensions for prompt " + i + " but " + rows[0].length + " before");
        }
        int k = Math.min(2, rows[0].length);
        Pca.Projection p = Pca.project(rows, k);
        var points = new ArrayList<Point>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            Prompt q = prompts.get(i);
            points.add(new Point(p.scores()[i][0], k > 1 ? p.scores()[i][1] : 0, q.type(), q.item(), q.attack()));
        }
        double[] explained = new double[k];
        for (int c = 0; c < k; c++) explained[c] = p.explained(c);
        return new EmbeddingMap(embedder.id(), explained, points);
    }

    /** Points per type, types in {@link #TYPES} order then any others. */
    public Map<String, List<Point>> byType() {
        var out = new LinkedHashMap<String, List<Point>>();
        for (String t : TYPES) out.put(t, new ArrayList<>());
        for (Point p : points) out.computeIfAbsent(p.type(), k -> new ArrayList<>()).add(p);
        out.values().removeIf(List::isEmpty);
        return out;
    }

    public String toJson() {
        ObjectNode root = Jsonl.MAPPER.createObjectNode();
        root.put("embedder", embedder);
        var ex = root.putArray("explained");
        for (double e : explained) ex.add(e);
        var arr = root.putArray("points");
        for (Point p : points) arr.addObject().put("x", p.x()).put("y", p.y()).put("type", p.type()).put("item", p.item()).put("attack", p.attack());
        try {
            return Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code embedding.json} back. */
    public static EmbeddingMap fromJson(com.fasterxml.jackson.databind.JsonNode root) {
        var ex = root.path("explained");
        double[] explained = new double[ex.size()];
        for (int i = 0; i < explained.length; i++) explained[i] = ex.get(i).asDouble();
        var points = new ArrayList<Point>();
        for (var n : root.path("points"))
            points.add(new Point(n.path("x").asDouble(), n.path("y").asDouble(), n.path("type").asText(), n.path("item").asText(), n.path("attack").asText()));
        return new EmbeddingMap(root.path("embedder").asText(), explained, points);
    }
}
