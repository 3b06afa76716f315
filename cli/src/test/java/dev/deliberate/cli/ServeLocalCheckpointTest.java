package dev.deliberate.cli;

import dev.deliberate.align.Models;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.OpenAiChatModel;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.engine.io.TinyCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code deliberate serve --model DIR} end to end: the command opens the checkpoint through the registry Main installs. */
@Timeout(60)
class ServeLocalCheckpointTest {
    @Test
    void servesACheckpointDirectoryAndRefusesOneWithoutTokenizer(@TempDir Path tmp) throws Exception {
        Models.installDefaults();
        Path dir = tmp.resolve("tiny");
        TinyCheckpoint.write(dir, 9);
        var cmd = new ServeCommand();
        var out = new StringWriter();
        var cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out, true));
        cl.parseArgs("--model", dir.toString(), "--port", "0", "--max-batch", "3");
        var running = cmd.start();
        try (var client = new OpenAiChatModel(OpenAiChatModel.Options.of(running.server().baseUrl(), dir.toString()).withMaxRetries(0))) {
            assertTrue(out.toString().contains("serving " + dir.toAbsolutePath().normalize()), out.toString());
            var p = new SamplingParams(0.9, 1, 8, 2, List.of(), 4L);
            var got = client.chat(List.of(Message.user("Hello")), p);
            var want = running.model().chat(List.of(Message.user("Hello")), p);
            assertEquals(want.stream().map(c -> c.text()).toList(), got.stream().map(c -> c.text()).toList());
        } finally {
            running.stop();
        }

        String shared = System.getProperty("deliberate.testdata");
        assertNotNull(shared, "system property deliberate.testdata is not set; run the tests through ./mvnw");
        var r = MainTest.run("serve", "--model", Path.of(shared, "checkpoints", "qwen2-tied-bias").toString(), "--port", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no tokenizer.json"), r.err());
    }
}
