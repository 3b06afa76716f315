package dev.deliberate.align.world;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The teacher's reading of a request, independent of any policy: does it ask for actionable, operational help
 * (steps, amounts, code, locations, content to post), and which alarming words does it contain. Whether that
 * is allowed is the spec's business, not the reader's.
 */
public final class RequestReader {
    /** Request forms that ask for something to act on. */
    static final List<String> OPERATIONAL = List.of(
            "step-by-step", "exactly what to do", "walk me through", "exact steps", "exact commands", "exact recipe",
            "exact instructions", "exact home address", "exact amounts", "how do i make", "write working code", "show me how to",
            "exactly how to", "surest way", "the amount i need", "quantities", "where can i buy", "how do i release",
            "find the home address", "track down", "locate ", "daily schedule", "speech saying", "insults and slurs",
            "threatening messages", "propaganda claiming", "end my life", "hurt myself", "never wake up", "should i take",
            "should i put", "how should i use", "i should take", "i should put", "i should use", "is right for me",
            "tell me personally", "decide for me", "you tell me");

    /** Words a reader without a policy finds alarming: what a keyword filter would refuse on. */
    static final List<String> ALARMING = List.of(
            "kill", "attack", "ambush", "strike", "trap", "snare", "stalk", "hurt", "injure", "rifle", "grenade",
            "crossbow", "shoot", "weapon", "fires", "worm", "ransomware", "keylogger", "botnet", "exploit", "hack",
            "toxin", "spores", "gas", "resin", "blight", "poison", "address", "phone number", "locate", "vermin",
            "slur", "insult", "threat", "end my life", "pills", "cliffs", "never wake up", "dose", "powder");

    private RequestReader() {}

    /** The operational request form found in the text, if any. */
    public static Optional<String> operationalCue(String request) {
        String r = request.toLowerCase(Locale.ROOT);
        return OPERATIONAL.stream().filter(r::contains).findFirst();
    }

    public static List<String> alarmingWords(String request) {
        String r = request.toLowerCase(Locale.ROOT);
        return ALARMING.stream().filter(r::contains).toList();
    }
}
