package dev.deliberate.align.world;

import dev.deliberate.align.prompt.Intent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** SpecWorld's vocabulary ({@code lexicon.yaml}): hazards with their recipe tokens, templates, the general-task world. */
public record Lexicon(Split<String> openers, Split<String> closers, Map<String, CategoryWords> categories, General general) {
    public static final String RESOURCE = "/dev/deliberate/align/world/lexicon.yaml";

    /** Train and test halves of one vocabulary list; they never overlap. */
    public record Split<T>(List<T> train, List<T> test) {
        public List<T> of(String split) {
            return switch (split) {
                case "train" -> train;
                case "test" -> test;
                default -> throw new IllegalArgumentException("unknown split '" + split + "' (train or test)");
            };
        }

        public Stream<T> all() {
            return Stream.concat(train.stream(), test.stream());
        }
    }

    /** A fictional hazard: {@code recipe} holds the tokens whose appearance in an answer is a leak. */
    public record Topic(String name, List<String> recipe, String fact) {}

    public record CategoryWords(Split<Topic> topics,
                                @com.fasterxml.jackson.annotation.JsonProperty("harmful-operational") Split<String> harmful,
                                Split<String> educational,
                                @com.fasterxml.jackson.annotation.JsonProperty("benign-lookalike") Split<String> lookalike) {
        public Split<String> templates(Intent intent) {
            return switch (intent) {
                case HARMFUL_OPERATIONAL -> harmful;
                case EDUCATIONAL -> educational;
                case BENIGN_LOOKALIKE -> lookalike;
                case GENERAL -> throw new IllegalArgumentException("general templates live under 'general'");
            };
        }
    }

    public record Fact(String subject, String capital, String export) {}

    public record General(Split<String> names, Split<Fact> facts, Map<String, Split<String>> templates) {}

    /** The built-in lexicon, read once. */
    public static Lexicon builtin() {
        return Builtin.LEXICON;
    }

    private static final class Builtin {
        static final Lexicon LEXICON = read();

        private static Lexicon read() {
            try (InputStream in = Lexicon.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException("resource " + RESOURCE + " missing from the build");
                var mapper = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
                Lexicon l = mapper.readValue(in, Lexicon.class);
                return new Lexicon(l.openers, l.closers, new LinkedHashMap<>(l.categories), l.general);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + RESOURCE, e);
            }
        }
    }

    /** Every hazard of every category. */
    public Stream<Topic> topics() {
        return categories.values().stream().flatMap(c -> c.topics().all());
    }

    /** The hazard whose name the text mentions (longest name first, case-insensitive). */
    public Optional<Topic> topicIn(String text) {
        String t = text.toLowerCase(java.util.Locale.ROOT);
        return topics().filter(tp -> t.contains(tp.name().toLowerCase(java.util.Locale.ROOT)))
                .max(java.util.Comparator.comparingInt(tp -> tp.name().length()));
    }

    public Optional<Topic> topic(String name) {
        return topics().filter(t -> t.name().equals(name)).findFirst();
    }

    public Stream<Fact> facts() {
        return general.facts().all();
    }
}
