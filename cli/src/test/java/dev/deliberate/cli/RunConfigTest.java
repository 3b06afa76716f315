package dev.deliberate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class RunConfigTest {

    @Command(name = "toy")
    static final class Toy implements Runnable {
        @Option(names = "--steps", defaultValue = "10") int steps;
        @Option(names = "--lr", defaultValue = "0.001") double lr;
        @Option(names = "--beta") Double beta;
        @Option(names = "--seed", defaultValue = "1") long seed;
        @Option(names = "--sft-term") boolean sftTerm;
        @Option(names = "--model") String model;
        @Option(names = "--out") Path out;
        @Option(names = "--config") Path config;

        public void run() {}
    }

    static Toy parse(Path file, String... args) {
        var toy = new Toy();
        var cl = new CommandLine(toy);
        cl.parseArgs(args);
        RunConfig.apply(cl, file);
        return toy;
    }

    @Test
    void fillsEveryTypeFromYamlAndJsonAndFlagsWin(@TempDir Path tmp) throws Exception {
        Path yaml = tmp.resolve("run.yml");
        Files.writeString(yaml, "steps: 200\nlr: 3e-4\nbeta: 0.1\nseed: 12345678901\nsft_term: true\nmodel: world:teacher\nout: runs/x\n");
        Toy t = parse(yaml, "--steps", "7");
        assertEquals(7, t.steps, "the flag wins");
        assertEquals(3e-4, t.lr);
        assertEquals(0.1, t.beta);
        assertEquals(12345678901L, t.seed);
        assertTrue(t.sftTerm);
        assertEquals("world:teacher", t.model);
        assertEquals(Path.of("runs/x"), t.out);

        Path json = tmp.resolve("run.json");
        Files.writeString(json, "{\"--lr\": \"0.5\", \"beta\": null, \"sft-term\": \"false\"}");
        t = parse(json);
        assertEquals(0.5, t.lr);
        assertNull(t.beta);
        assertFalse(t.sftTerm);
        assertEquals(10, t.steps, "untouched options keep their defaults");

        var cl = new CommandLine(new Toy());
        cl.parseArgs("--beta", "0.2");
        var resolved = RunConfig.resolved(cl.getCommandSpec());
        assertEquals(0.2, resolved.get("beta"));
        assertFalse(resolved.containsKey("config"), "the run file itself is not configuration");
    }

    @Test
    void badRunFilesNameTheFileAndTheKey(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("bad.yaml");
        Map<String, String> cases = Map.ofEntries(
                Map.entry("stepz: 3\n", "unknown key 'stepz'"),
                Map.entry("steps: 2.5\n", "key 'steps' must be an integer, got '2.5'"),
                Map.entry("lr: fast\n", "key 'lr' must be a number, got 'fast'"),
                Map.entry("sft-term: maybe\n", "key 'sft-term' must be true or false"),
                Map.entry("steps: [1, 2]\n", "key 'steps' must be a single value, not a list"),
                Map.entry("steps: null\n", "key 'steps' needs a value"),
                Map.entry("- steps\n", "must be a mapping"),
                Map.entry("steps: [\n", "is not valid YAML"),
                Map.entry("steps: 4294967297\n", "key 'steps' is 4294967297, outside the range of a 32-bit integer"),
                Map.entry("steps: '4294968296'\n", "outside the range of a 32-bit integer"),
                Map.entry("seed: 99999999999999999999\n", "outside the range of a 64-bit integer"),
                Map.entry("steps: 3.0e20\n", "outside the range"));
        for (var c : cases.entrySet()) {
            Files.writeString(f, c.getKey());
            var e = assertThrows(UserError.class, () -> parse(f), c.getKey());
            assertTrue(e.getMessage().contains(c.getValue()) && e.getMessage().contains(f.toString()), c.getKey() + " -> " + e.getMessage());
        }
        var e = assertThrows(UserError.class, () -> parse(tmp.resolve("missing.yaml")));
        assertTrue(e.getMessage().contains("does not exist"));
    }

    @Test
    void aRunFolderRefusesADifferentConfigurationButNotAMutableKey(@TempDir Path tmp) {
        RunConfig.write(tmp, Map.of("k", 4, "seed", 1L, "limit", 10));
        RunConfig.checkCompatible(tmp, Map.of("k", 4, "seed", 1L, "limit", 20), Set.of("limit"));
        var e = assertThrows(UserError.class, () -> RunConfig.checkCompatible(tmp, Map.of("k", 8, "seed", 1L, "limit", 10), Set.of("limit")));
        assertTrue(e.getMessage().contains("k: 4 -> 8"), e.getMessage());
        e = assertThrows(UserError.class, () -> RunConfig.checkCompatible(tmp, Map.of("k", 4, "limit", 10), Set.of("limit")));
        assertTrue(e.getMessage().contains("seed: 1 -> (absent)"), e.getMessage());
    }
}
