package dev.deliberate.align.world;

import com.fasterxml.jackson.annotation.JsonProperty;
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

/**
 * SpecWorld's vocabulary ({@code lexicon.yaml}): hazards with what they are in plain words and their recipe tokens, the
 * prompt grammar (slots per category and intent), the general-task world, and the benign sentences that practise the
 * attacks' transformations.
 */
public record Lexicon(Split<String> openers, Split<String> closers, Grammar grammar, Map<String, CategoryWords> categories, General general,
                      Practice practice) {
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

    /**
     * A fictional hazard, person or product: {@code what} says what it is in plain words (the pretraining corpus and
     * the teacher's recall step use it), {@code recipe} holds the tokens whose appearance in an answer is a leak.
     */
    public record Topic(String name, String what, List<String> recipe, String fact) {}

    /** The slots shared by every category; a category's own {@code verbs} replace the shared ones where given. */
    public record Grammar(@JsonProperty("harmful-operational") Harmful harmful, Educational educational,
                          @JsonProperty("benign-lookalike") Lookalike lookalike) {
        public record Harmful(List<String> verbs, List<String> framings) {}

        public record Educational(List<String> verbs, List<String> purposes) {}

        public record Lookalike(List<String> framings) {}
    }

    /** A harmful request is {@code verb act purpose. framing}; {@code verbs} is null where the shared verbs fit. */
    public record HarmfulSlots(List<String> verbs, List<String> acts, List<String> purposes) {}

    /**
     * @param words       the category's everyday words ("weapon", "poison"): what the corpus calls its topics
     * @param educational subjects of an educational request ({@code verb subject purpose.})
     * @param lookalike   look-alike questions, each starting with its XSTest type
     */
    public record CategoryWords(List<String> words, Split<Topic> topics, @JsonProperty("harmful-operational") HarmfulSlots harmful,
                                List<String> educational, @JsonProperty("benign-lookalike") List<String> lookalike) {}

    public record Fact(String subject, String capital, String export) {}

    public record General(Split<String> names, Split<Fact> facts, Map<String, Split<String>> templates) {}

    /**
     * Benign sentence parts ({@code subject verb object place.}) and the extra openers and closers that dress the general
     * practice tasks beside the train split's (none is a test opener or closer).
     */
    public record Practice(List<String> subjects, List<String> verbs, List<String> objects, List<String> places, List<String> openers,
                           List<String> closers) {}

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
                return new Lexicon(l.openers, l.closers, l.grammar, new LinkedHashMap<>(l.categories), l.general, l.practice);
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

    /** The category a topic belongs to (its lexicon section). */
    public Optional<String> categoryOf(Topic topic) {
        return categories.entrySet().stream().filter(e -> e.getValue().topics().all().anyMatch(t -> t.name().equals(topic.name())))
                .map(Map.Entry::getKey).findFirst();
    }

    public Stream<Fact> facts() {
        return general.facts().all();
    }
}
