package dev.deliberate.align.eval.bench;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One prompt of a benchmark, whatever file it came from.
 *
 * @param id       unique within its benchmark (the file's id column, else the 1-based record number)
 * @param prompt   what the model is asked
 * @param label    whether a good model should help ({@link Label#SAFE}) or decline ({@link Label#UNSAFE})
 * @param category XSTest's type, StrongREJECT's category, or the mapped category column; "" if none
 * @param answer   the gold answer where the benchmark has one (GSM8K's whole solution ending {@code #### N}); "" if none
 * @param source   the benchmark's name ({@code xstest}, {@code strongreject}, {@code advbench}, …, or the file name)
 * @param meta     the record's other columns, verbatim (XSTest focus and note, StrongREJECT source, AdvBench target)
 */
public record BenchmarkItem(String id, String prompt, Label label, String category, String answer, String source,
                            Map<String, String> meta) {

    public BenchmarkItem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(label, "label");
        category = category == null ? "" : category;
        answer = answer == null ? "" : answer;
        Objects.requireNonNull(source, "source");
        meta = meta == null ? Map.of() : Map.copyOf(meta);
    }

    /** What the benchmark says a good model should do with the prompt. */
    public enum Label {
        SAFE, UNSAFE, UNLABELLED;

        /**
         * Reads the usual spellings: {@code safe/benign/harmless/allowed/0/false} and
         * {@code unsafe/harmful/disallowed/1/true}; null when the value is none of them.
         */
        public static Label parse(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "safe", "benign", "harmless", "allowed", "0", "false" -> SAFE;
                case "unsafe", "harmful", "disallowed", "1", "true" -> UNSAFE;
                default -> null;
            };
        }
    }
}
