package dev.deliberate.cli;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.OpenAiChatModel;
import dev.deliberate.align.llm.SamplingParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class ServeCommandTest {

    static MainTest.Run run(String... args) {
        return MainTest.run(args);
    }

    @Test
    void badReferencesFailBeforeBinding() {
        var r = run("serve", "--model", "http://127.0.0.1:8000/v1", "--port", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--model") && r.err().contains("names no model; add it after '#'"), r.err());
        r = run("serve", "--model", "nosuchscheme:x", "--port", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no provider for 'nosuchscheme:'"), r.err());
        r = run("serve", "--model", "nosuchscheme:x", "--auth-key-env", "DELIBERATE_TEST_SURELY_UNSET_VAR");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--auth-key-env DELIBERATE_TEST_SURELY_UNSET_VAR") && r.err().contains("unset"), r.err());
        // the older name keeps its meaning (the key clients must send), so a server started with it is never open
        r = run("serve", "--model", "nosuchscheme:x", "--api-key-env", "DELIBERATE_TEST_SURELY_UNSET_VAR");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("DELIBERATE_TEST_SURELY_UNSET_VAR") && r.err().contains("unset"), r.err());
        r = run("serve", "--model", "nosuchscheme:x", "--api-key-env", "A_VAR", "--auth-key-env", "B_VAR");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("name different variables"), r.err());
        r = run("serve");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--model"), r.err());
    }

    @Test
    void numericFlagsAreCheckedAtStart() {
        // each is refused before the model is opened or a port bound, naming the flag
        String[][] cases = {
                {"--default-max-tokens", "0", "--default-max-tokens must be between 1 and 32768"},
                {"--default-max-tokens", "-5", "--default-max-tokens must be between 1 and 32768"},
                {"--default-max-tokens", "40000", "--default-max-tokens must be between 1 and 32768"},
                {"--default-max-tokens", "4294968296", "'4294968296' is not an int"},
                {"--max-queue", "0", "max-queue"},
                {"--header-timeout", "0", "--header-timeout must be between 1 and 86400"},
                {"--max-connections", "4", "--max-connections 4 is below --max-queue + --max-batch"},
                {"--allow-origin", "evil.example", "is not an origin"},
                {"--request-timeout", "0", "--request-timeout must be between 1"},
                {"--retries", "-1", "--retries must be between 0 and 100"},
                {"--request-timeout", "60", "--total-timeout 30 is shorter than --request-timeout 60"},
        };
        for (String[] c : cases) {
            var args = new java.util.ArrayList<>(List.of("serve", "--model", "world:teacher", "--port", "0", c[0], c[1]));
            if (c[2].contains("--total-timeout 30")) args.addAll(List.of("--total-timeout", "30"));
            var r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.out() + r.err());
            assertTrue(r.err().contains(c[2]), String.join(" ", args) + " -> " + r.err());
        }
    }

    /** Stands in for world:teacher until SpecWorld is merged. */
    record Parrot(String id) implements ChatModel {
        public List<Completion> chat(List<Message> messages, SamplingParams params) {
            return java.util.Collections.nCopies(params.n(), new Completion("think", "parrot: " + messages.getLast().content(), "stop", null));
        }
    }

    @Test
    void aRemoteReferenceIsServedAsACachingProxyUnderItsModelName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        var calls = new java.util.concurrent.atomic.AtomicInteger();
        ChatModel counted = new ChatModel() {
            public String id() {
                return "counted";
            }

            public List<Completion> chat(List<Message> messages, SamplingParams params) {
                calls.incrementAndGet();
                return new Parrot("p").chat(messages, params);
            }
        };
        try (var upstream = new dev.deliberate.cli.serve.OpenAiServer("parrot", new dev.deliberate.cli.serve.BatchingScheduler(counted, 8, 4),
                dev.deliberate.cli.serve.OpenAiServer.Options.loopback(0))) {
            var cmd = new ServeCommand();
            var cl = new CommandLine(cmd);
            cl.setOut(new PrintWriter(new StringWriter(), true));
            cl.parseArgs("--model", upstream.baseUrl() + "#parrot", "--port", "0", "--cache", tmp.resolve("proxy.sqlite").toString());
            var running = cmd.start();
            try (var client = new OpenAiChatModel(OpenAiChatModel.Options.of(running.server().baseUrl(), "parrot").withMaxRetries(0))) {
                for (int i = 0; i < 3; i++)
                    assertEquals("parrot: hi", client.chat(List.of(Message.user("hi")), SamplingParams.greedy(10)).getFirst().answer());
            } finally {
                running.stop();
            }
            assertEquals(1, calls.get(), "repeats come from the proxy's cache");
        }
    }

    @Test
    void servesARegisteredModelOnLoopback() throws Exception {
        ChatModels.register("servetest", (name, o) -> new Parrot("servetest:" + name));
        var cmd = new ServeCommand();
        var out = new StringWriter();
        var cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out, true));
        cl.parseArgs("--model", "servetest:polly", "--port", "0", "--max-batch", "2");
        var running = cmd.start();
        try (var client = new OpenAiChatModel(OpenAiChatModel.Options.of(running.server().baseUrl(), "servetest:polly").withMaxRetries(0))) {
            assertTrue(out.toString().contains("serving servetest:polly as 'servetest:polly' at http://127.0.0.1:"), out.toString());
            var c = client.chat(List.of(Message.user("cracker")), SamplingParams.greedy(10)).getFirst();
            assertEquals(new Completion("think", "parrot: cracker", "stop", new Completion.Usage(0, 0, 0)), c);
        } finally {
            running.stop();
        }
    }
}
