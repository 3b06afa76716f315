package dev.deliberate.align.spec;

/** How to write an answer in one style: a {@code ###} section of the spec's General part, e.g. "Hard refusal (refuse)". */
public record StyleGuide(Style style, String title, String text) {}
