package dev.deliberate.align.data;

import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.io.Jsonl;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes our TRL-format datasets as a LLaMA-Factory dataset folder: ShareGPT-style JSON Lines plus a
 * {@code dataset_info.json} that registers them ({@code "ranking": true} for preference pairs), so
 * {@code dataset_dir=DIR dataset=NAME} works in LLaMA-Factory unchanged.
 */
public final class LlamaFactoryExport {
    private LlamaFactoryExport() {}

    /** A dataset to register: its name in dataset_info.json and its records (all SFT or all preference). */
    public sealed interface Dataset {
        String name();
    }

    public record Sft(String name, List<SftRecord> records) implements Dataset {}

    public record Preferences(String name, List<PreferenceRecord> records) implements Dataset {}

    public static void write(Path dir, List<? extends Dataset> datasets) {
        ObjectNode info = Jsonl.MAPPER.createObjectNode();
        for (Dataset d : datasets) {
            String file = d.name() + ".jsonl";
            switch (d) {
                case Sft s -> {
                    Jsonl.write(dir.resolve(file), s.records().stream().map(r -> sftLine(r.messages())).toList());
                    info.set(d.name(), entry(file, false));
                }
                case Preferences p -> {
                    Jsonl.write(dir.resolve(file), p.records().stream().map(LlamaFactoryExport::rankingLine).toList());
                    info.set(d.name(), entry(file, true));
                }
            }
        }
        try {
            AtomicFiles.writeString(dir.resolve("dataset_info.json"), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(info) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode entry(String file, boolean ranking) {
        ObjectNode e = Jsonl.MAPPER.createObjectNode();
        e.put("file_name", file);
        e.put("formatting", "sharegpt");
        if (ranking) e.put("ranking", true);
        ObjectNode cols = e.putObject("columns");
        cols.put("messages", "conversations");
        cols.put("system", "system");
        if (ranking) {
            cols.put("chosen", "chosen");
            cols.put("rejected", "rejected");
        }
        return e;
    }

    /** LLaMA-Factory's ShareGPT roles: human / gpt, with the system prompt in its own column. */
    private static Map<String, Object> sftLine(List<Turn> turns) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("conversations", shareGpt(turns));
        system(turns).ifPresent(s -> line.put("system", s));
        return line;
    }

    private static Map<String, Object> rankingLine(PreferenceRecord r) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("conversations", shareGpt(r.prompt()));
        system(r.prompt()).ifPresent(s -> line.put("system", s));
        line.put("chosen", shareGpt(r.chosen()).getFirst());
        line.put("rejected", shareGpt(r.rejected()).getFirst());
        return line;
    }

    private static java.util.Optional<String> system(List<Turn> turns) {
        return turns.stream().filter(t -> t.role().equals("system")).map(Turn::content).findFirst();
    }

    private static List<Map<String, String>> shareGpt(List<Turn> turns) {
        return turns.stream().filter(t -> !t.role().equals("system"))
                .map(t -> Map.of("from", t.role().equals("user") ? "human" : "gpt", "value", t.content()))
                .toList();
    }
}
