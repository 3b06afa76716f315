package dev.deliberate.align.eval.bench;

import java.util.Objects;

/**
 * Which columns (CSV header names or JSONL field names) of a user's file hold what, as the CLI's
 * {@code --prompt-column goal --label-column … --id-column … --category-column … --answer-column …} name them.
 * Only the prompt column is required; a missing label column means every item is {@link BenchmarkItem.Label#UNLABELLED}
 * unless {@code defaultLabel} says otherwise (AdvBench goals are all unsafe, for instance).
 */
public record ColumnMapping(String promptColumn, String labelColumn, String idColumn, String categoryColumn,
                            String answerColumn, BenchmarkItem.Label defaultLabel) {

    public ColumnMapping {
        Objects.requireNonNull(promptColumn, "promptColumn");
        if (promptColumn.isBlank()) throw new IllegalArgumentException("the prompt column name must not be blank");
        defaultLabel = defaultLabel == null ? BenchmarkItem.Label.UNLABELLED : defaultLabel;
    }

    public static ColumnMapping prompt(String promptColumn) {
        return new ColumnMapping(promptColumn, null, null, null, null, null);
    }

    public ColumnMapping withLabel(String column) {
        return new ColumnMapping(promptColumn, column, idColumn, categoryColumn, answerColumn, defaultLabel);
    }

    public ColumnMapping withId(String column) {
        return new ColumnMapping(promptColumn, labelColumn, column, categoryColumn, answerColumn, defaultLabel);
    }

    public ColumnMapping withCategory(String column) {
        return new ColumnMapping(promptColumn, labelColumn, idColumn, column, answerColumn, defaultLabel);
    }

    public ColumnMapping withAnswer(String column) {
        return new ColumnMapping(promptColumn, labelColumn, idColumn, categoryColumn, column, defaultLabel);
    }

    public ColumnMapping withDefaultLabel(BenchmarkItem.Label label) {
        return new ColumnMapping(promptColumn, labelColumn, idColumn, categoryColumn, answerColumn, label);
    }
}
