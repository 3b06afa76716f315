package dev.deliberate.spark;

import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code deliberate generate … --engine spark} finds this module's engine and writes what {@code --engine local} writes. */
class SparkCommandTest {

    @org.junit.jupiter.api.BeforeAll
    static void models() {
        dev.deliberate.align.Models.installDefaults(); // as Main.main does
    }

    static int run(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        if (code != 0) System.err.println(out + "\n" + err);
        return code;
    }

    @Test
    void saroRwWithEngineSparkEqualsTheLocalEngine(@TempDir Path dir) throws Exception {
        var common = List.of("generate", "saro-rw", "--limit", "60", "--seed", "2", "--threads", "2", "--no-cache");
        var local = new java.util.ArrayList<>(common);
        local.addAll(List.of("--out", dir.resolve("local").toString()));
        assertEquals(0, run(local.toArray(String[]::new)));
        var spark = new java.util.ArrayList<>(common);
        spark.addAll(List.of("--out", dir.resolve("spark").toString(), "--engine", "spark", "--master", "local[2]", "--partitions", "3"));
        assertEquals(0, run(spark.toArray(String[]::new)));
        for (String f : List.of("sft.jsonl", GenerationRun.LEDGER))
            assertEquals(SparkGenerationTest.sha256(dir.resolve("local").resolve(f)), SparkGenerationTest.sha256(dir.resolve("spark").resolve(f)), f);
        // a rerun under the other engine resumes (nothing left to do) rather than refusing the folder
        local.set(local.size() - 1, dir.resolve("spark").toString());
        assertEquals(0, run(local.toArray(String[]::new)));
        assertTrue(java.nio.file.Files.size(dir.resolve("spark/sft.jsonl")) > 0);
    }

    @Test
    void evalWithEngineSparkWritesTheSameResultsAndMetrics(@TempDir Path dir) throws Exception {
        var common = List.of("eval", "--model", "world:teacher?error=0.2&verbosity=0.5", "--bench", "specworld-test", "--attacks", "none,seen",
                "--limit", "40", "--label", "t", "--seed", "2", "--no-cache", "--no-embedding", "--bootstrap", "200");
        var local = new java.util.ArrayList<>(common);
        local.addAll(List.of("--out", dir.resolve("local").toString()));
        assertEquals(0, run(local.toArray(String[]::new)));
        var spark = new java.util.ArrayList<>(common);
        spark.addAll(List.of("--out", dir.resolve("spark").toString(), "--engine", "spark", "--master", "local[2]", "--partitions", "3", "--threads", "2"));
        assertEquals(0, run(spark.toArray(String[]::new)));
        assertTrue(java.nio.file.Files.readAllLines(dir.resolve("spark/results.jsonl")).size() > 60);
        for (String f : List.of("results.jsonl", "metrics.json"))
            assertEquals(SparkGenerationTest.sha256(dir.resolve("local").resolve(f)), SparkGenerationTest.sha256(dir.resolve("spark").resolve(f)), f);
    }
}
