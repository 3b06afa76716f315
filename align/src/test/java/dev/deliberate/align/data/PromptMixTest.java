package dev.deliberate.align.data;

import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.SpecWorld;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PromptMixTest {
    static final List<LabelledPrompt> TRAIN = SpecWorld.builtin().generate(new SpecWorld.Config(5, 20, 40, 0.25)).train();

    @Test
    void mixesGeneralTasksToTheTargetShareAndAttacksOnlyWithSeenFamilies() {
        var seen = Attacks.seen(Attacks.builtin());
        var mix = PromptMix.select(TRAIN, 0.2, 0.3, seen, 1, 0);
        long safety = TRAIN.stream().filter(p -> !p.isGeneral()).count();
        long general = mix.stream().filter(LabelledPrompt::isGeneral).count();
        assertEquals(Math.round(safety * 0.2 / 0.8), general);
        assertEquals(safety, mix.stream().filter(p -> !p.isGeneral()).count(), "every safety prompt, attacked or not");
        var attacked = mix.stream().filter(p -> !p.attack().equals(LabelledPrompt.NO_ATTACK)).toList();
        assertEquals(0.3, attacked.size() / (double) safety, 0.06);
        var seenNames = seen.stream().map(a -> a.name()).toList();
        for (var p : attacked) {
            assertTrue(seenNames.contains(p.attack()), p.attack());
            assertEquals(p.id().substring(0, p.id().indexOf('@')) + "@" + p.attack(), p.id());
            assertFalse(p.isGeneral());
        }
        assertEquals(mix, PromptMix.select(TRAIN, 0.2, 0.3, seen, 1, 0), "same arguments, same list");
        assertNotEquals(mix, PromptMix.select(TRAIN, 0.2, 0.3, seen, 2, 0));
    }

    @Test
    void aLimitTakesAPrefixOfTheSameShuffledMix() {
        var seen = Attacks.seen(Attacks.builtin());
        var all = PromptMix.select(TRAIN, 0.2, 0.2, seen, 1, 0);
        var some = PromptMix.select(TRAIN, 0.2, 0.2, seen, 1, 30);
        assertEquals(all.subList(0, 30), some, "raising --limit extends a run instead of changing it");
        assertTrue(some.stream().map(LabelledPrompt::category).distinct().count() >= 5, "the shuffle spreads a small limit over the categories");
    }

    @Test
    void heldOutFamiliesAndBadFractionsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> PromptMix.select(TRAIN, 0.2, 0.2, Attacks.heldOut(Attacks.builtin()), 1, 0));
        assertTrue(e.getMessage().contains("held out"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PromptMix.select(TRAIN, 1.0, 0, List.of(), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> PromptMix.select(TRAIN, 0.2, 0.5, List.of(), 1, 0));
        assertEquals(TRAIN.size(), PromptMix.select(TRAIN, Double.NaN, 0, List.of(), 1, 0).size(), "NaN keeps the input's own mix");
    }
}
