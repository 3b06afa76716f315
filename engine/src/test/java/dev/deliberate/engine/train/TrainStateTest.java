package dev.deliberate.engine.train;

import dev.deliberate.engine.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.deliberate.engine.train.TrainLoopTest.fresh;
import static dev.deliberate.engine.train.TrainLoopTest.weights;
import static org.junit.jupiter.api.Assertions.*;

/** The state folder after a kill at each point of a save: always one complete state to resume from, orphans removed. */
class TrainStateTest {
    static final TrainState.RunId ID = new TrainState.RunId("sft", 1, "abc", 10);

    static Transformer model(int seed) {
        var m = fresh(24);
        m.initialize(seed);
        return m;
    }

    static String[] names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void aSaveKeepsOneCompleteStateAndLoadTakesTheNewest(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("state");
        var a = model(1);
        TrainState.save(dir, a, new AdamW(a, AdamW.Config.defaults(0)), 4, ID);
        var b = model(2);
        TrainState.save(dir, b, new AdamW(b, AdamW.Config.defaults(0)), 6, ID);
        assertArrayEquals(new String[]{"step-00000006"}, names(dir), "the older state goes once the newer is complete");
        assertEquals(6, TrainState.savedStep(dir));
        var into = model(3);
        assertEquals(6, TrainState.load(dir, into, new AdamW(into, AdamW.Config.defaults(0)), ID).orElseThrow());
        assertArrayEquals(weights(b), weights(into));
    }

    @Test
    void everyKillPointLeavesAStateToResumeFrom(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("state");
        var a = model(1);
        TrainState.save(dir, a, new AdamW(a, AdamW.Config.defaults(0)), 4, ID);
        // killed while writing step 6: a temporary folder without its marker
        Path partial = Files.createDirectories(dir.resolve("step-00000006.tmp-999"));
        Files.write(partial.resolve(TrainState.WEIGHTS), new byte[100]);
        // killed while deleting an older state: its marker went first
        Path halfDeleted = Files.createDirectories(dir.resolve("step-00000002"));
        Files.write(halfDeleted.resolve(TrainState.MOMENTS), new byte[10]);
        // killed after the rename, before the old state was removed: two complete states
        var b = model(2);
        Path two = tmp.resolve("other");
        TrainState.save(two, b, new AdamW(b, AdamW.Config.defaults(0)), 8, ID);
        Files.move(two.resolve("step-00000008"), dir.resolve("step-00000008"));
        assertEquals(8, TrainState.savedStep(dir), "the newest complete state");
        var into = model(3);
        assertEquals(8, TrainState.load(dir, into, new AdamW(into, AdamW.Config.defaults(0)), ID).orElseThrow());
        assertArrayEquals(weights(b), weights(into));
        assertArrayEquals(new String[]{"step-00000008"}, names(dir), "orphans of killed saves are cleaned on the next start");
    }

    @Test
    void aKillBetweenTheOldLayoutsTwoRenamesResumesFromTheMovedAsideState(@TempDir Path tmp) throws Exception {
        // the one-folder layout renamed state -> state.old-PID, then state.tmp-PID -> state; a kill between left no 'state'
        Path dir = tmp.resolve("state");
        var a = model(1);
        Path other = tmp.resolve("x");
        TrainState.save(other, a, new AdamW(a, AdamW.Config.defaults(0)), 5, ID);
        Files.move(other.resolve("step-00000005"), tmp.resolve("state.old-4242"));
        Files.createDirectories(tmp.resolve("state.tmp-4242")); // the new state, cut
        assertEquals(5, TrainState.savedStep(dir), "not step 0");
        var into = model(3);
        assertEquals(5, TrainState.load(dir, into, new AdamW(into, AdamW.Config.defaults(0)), ID).orElseThrow());
        assertArrayEquals(weights(a), weights(into));
        TrainState.save(dir, into, new AdamW(into, AdamW.Config.defaults(0)), 6, ID);
        assertFalse(Files.exists(tmp.resolve("state.old-4242")));
        assertFalse(Files.exists(tmp.resolve("state.tmp-4242")), "the 46 MB orphans of the old layout are removed");
        assertEquals(6, TrainState.savedStep(dir));
    }

    @Test
    void aFirstSaveKilledMidWayLeavesNothingToResumeAndIsCleaned(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("state");
        Files.createDirectories(dir.resolve("step-00000002.tmp-77"));
        assertEquals(0, TrainState.savedStep(dir));
        var into = model(3);
        assertTrue(TrainState.load(dir, into, new AdamW(into, AdamW.Config.defaults(0)), ID).isEmpty());
        assertEquals(0, names(dir).length);
    }
}
