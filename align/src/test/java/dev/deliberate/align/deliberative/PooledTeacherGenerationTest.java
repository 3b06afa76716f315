package dev.deliberate.align.deliberative;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.judge.WorldJudge;
import dev.deliberate.align.llm.EndpointPool;
import dev.deliberate.align.llm.EndpointSpec;
import dev.deliberate.align.llm.FakeEndpoint;
import dev.deliberate.align.llm.PooledChatModel;
import dev.deliberate.align.spec.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.deliberate.align.deliberative.GenerationFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** A teacher behind four HTTP servers, one of them failing half its calls: the run finishes with every record. */
class PooledTeacherGenerationTest {

    @Test
    void aPoolWithAFlakyServerLosesNoRecord(@TempDir Path dir) {
        var prompts = prompts(60);
        var spec = Spec.defaultSpec();
        var config = new GenerationConfig(new SpecContextSampler.Settings(4, 1, 1.0, 2048), 0.9, 5, 16);
        var teacher = teacher("error=0.25&verbosity=0.5");
        DeliberativeDataGenerator.run(config, spec, teacher, WorldJudge.builtin(), prompts, dir.resolve("direct"), (s, d, t) -> {});

        var fakes = new ArrayList<FakeEndpoint>();
        for (int i = 0; i < 4; i++)
            fakes.add(FakeEndpoint.start(new FakeEndpoint.Behaviour(Duration.ofMillis(2), 16, i == 3 ? 0.5 : 0, i), teacher));
        var settings = EndpointPool.Settings.defaults().withBackoff(Duration.ofMillis(5), Duration.ofMillis(100)).withHealth(3, Duration.ofMillis(100));
        try (var pooled = new PooledChatModel("world-teacher", new EndpointPool(fakes.stream().map(f -> EndpointSpec.of(f.baseUrl(), 8)).toList(), settings, null))) {
            DeliberativeDataGenerator.run(config, spec, pooled, WorldJudge.builtin(), prompts, dir.resolve("pooled"), (s, d, t) -> {});
        } finally {
            fakes.forEach(FakeEndpoint::close);
        }
        assertTrue(fakes.get(3).failed() > 0, "the flaky server failed some calls");
        assertEquals(60, Jsonl.readTrees(dir.resolve("pooled").resolve(GenerationRun.LEDGER)).size());
        // the same records, but for the teacher's name in their provenance
        assertEquals(withoutTeacher(dir.resolve("direct")), withoutTeacher(dir.resolve("pooled")));
    }

    private static List<String> withoutTeacher(Path run) {
        var lines = new ArrayList<String>();
        for (var n : Jsonl.readTrees(run.resolve(DeliberativeDataGenerator.DATASET))) {
            ((ObjectNode) n.path("meta")).remove("teacher");
            lines.add(n.toString());
        }
        assertFalse(lines.isEmpty());
        return lines;
    }
}
