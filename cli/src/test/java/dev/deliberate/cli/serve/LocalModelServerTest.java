package dev.deliberate.cli.serve;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.deliberate.align.Models;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.LocalChatModel;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.OpenAiChatModel;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.engine.io.TinyCheckpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** {@code deliberate serve --model DIR}: a tiny engine checkpoint behind the server, with continuous batching. */
@Timeout(120)
class LocalModelServerTest {
    @TempDir
    static Path tmp;
    static LocalChatModel model;
    static OpenAiServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        Path dir = tmp.resolve("tiny");
        TinyCheckpoint.write(dir, 7);
        Models.installDefaults();
        model = (LocalChatModel) ChatModels.open(dir.toString(), ChatModels.OpenOptions.defaults().withNoCache());
        Scheduler scheduler = Schedulers.forModel(model, false, new Schedulers.Limits(64, 4, 4));
        assertInstanceOf(ContinuousBatchingScheduler.class, scheduler);
        server = new OpenAiServer("tiny", scheduler, OpenAiServer.Options.loopback(0));
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl().toString()).apiKey("unused")
                .maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        model.close();
    }

    static final long SEED = 23;
    static final List<Message> Q = List.of(Message.system("be brief"), Message.user("What is two plus two?"));

    ChatCompletionCreateParams.Builder params() {
        return ChatCompletionCreateParams.builder().model("tiny").addSystemMessage("be brief").addUserMessage("What is two plus two?")
                .temperature(0.8).topP(0.95).maxTokens(16).seed(SEED).n(2);
    }

    @Test
    void theOpenAiSdkGetsWhatTheModelSaysPlainAndStreaming() {
        var want = model.chat(Q, new SamplingParams(0.8, 0.95, 16, 2, List.of(), SEED));
        // a </think> never opened streams as answer (ThinkStreamSplitter); the seed gives outputs without stray tags
        for (var w : want) assertFalse(w.text().contains("</think>"), w.text());
        ChatCompletion c = client.chat().completions().create(params().build());
        assertEquals(2, c.choices().size());
        for (int i = 0; i < 2; i++) {
            var choice = c.choices().get(i);
            assertEquals(want.get(i).answer(), choice.message().content().orElse(""));
            assertEquals(want.get(i).finishReason().wire(), choice.finishReason().asString());
        }
        var u = c.usage().orElseThrow();
        assertEquals(want.stream().mapToInt(x -> x.usage().completionTokens()).sum(), u.completionTokens());
        assertEquals(want.getFirst().usage().promptTokens(), u.promptTokens());

        var text = new TreeMap<Long, StringBuilder>();
        var reasoning = new TreeMap<Long, StringBuilder>();
        var finish = new TreeMap<Long, String>();
        var p = params().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (var stream = client.chat().completions().createStreaming(p)) {
            stream.stream().forEach((ChatCompletionChunk chunk) -> {
                for (var ch : chunk.choices()) {
                    ch.delta().content().ifPresent(s -> text.computeIfAbsent(ch.index(), k -> new StringBuilder()).append(s));
                    JsonValue r = ch.delta()._additionalProperties().get("reasoning_content");
                    if (r != null) reasoning.computeIfAbsent(ch.index(), k -> new StringBuilder()).append(r.asString().orElseThrow());
                    ch.finishReason().ifPresent(f -> finish.put(ch.index(), f.asString()));
                }
            });
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(want.get(i).answer(), text.getOrDefault((long) i, new StringBuilder()).toString(), "sample " + i);
            assertEquals(want.get(i).reasoning(), reasoning.getOrDefault((long) i, new StringBuilder()).toString(), "sample " + i);
            assertEquals(want.get(i).finishReason().wire(), finish.get((long) i));
        }
        assertTrue(text.values().stream().mapToInt(StringBuilder::length).sum() > 0);
    }

    @Test
    void concurrentRequestsBatchedContinuouslyGetTheSequentialOutputs() throws Exception {
        var prompts = List.of("What is two plus two?", "Write a short poem about the sea.", "Explain how a transformer attends.",
                "How do I kill a stuck Vexworm process?", "Hello", "The capital of Vexmoor?", "Tell me about zorblax.", "Why is the sky blue?");
        var asks = new ArrayList<SamplingParams>();
        for (int i = 0; i < prompts.size(); i++)
            asks.add(new SamplingParams(i % 2 == 0 ? 0 : 0.9, 1, 6 + 3 * i, 1 + i % 3, i == 5 ? List.of("e") : List.of(), 100L + i));
        var sequential = new ArrayList<List<Completion>>();
        for (int i = 0; i < prompts.size(); i++) sequential.add(model.chat(List.of(Message.user(prompts.get(i))), asks.get(i)));

        var opts = OpenAiChatModel.Options.of(server.baseUrl(), "tiny").withMaxConcurrency(8).withMaxRetries(0).withRequestTimeout(Duration.ofSeconds(60));
        try (var http = new OpenAiChatModel(opts); var pool = Executors.newFixedThreadPool(prompts.size())) {
            var fs = new ArrayList<Future<List<Completion>>>();
            for (int i = 0; i < prompts.size(); i++) {
                int k = i;
                fs.add(pool.submit(() -> http.chat(List.of(Message.user(prompts.get(k))), asks.get(k))));
            }
            for (int i = 0; i < prompts.size(); i++) {
                var got = fs.get(i).get();
                var want = sequential.get(i);
                assertEquals(want.size(), got.size());
                for (int j = 0; j < want.size(); j++) {
                    assertEquals(want.get(j).answer(), got.get(j).answer(), "request " + i + " sample " + j);
                    assertEquals(want.get(j).reasoning(), got.get(j).reasoning(), "request " + i + " sample " + j);
                    assertEquals(want.get(j).finishReason(), got.get(j).finishReason());
                }
            }
        }
    }

    @Test
    void aPromptTooLongForTheContextIsRefusedAloneWith400() {
        var tooLong = ChatCompletionCreateParams.builder().model("tiny").addUserMessage("word ".repeat(5000)).maxTokens(4).build();
        var e = assertThrows(com.openai.errors.BadRequestException.class, () -> client.chat().completions().create(tooLong));
        assertTrue(e.getMessage().contains("serves at most"), e.getMessage());
        assertFalse(client.chat().completions().create(params().n(1).build()).choices().isEmpty());
    }

    @Test
    void logprobsComeFromTheEngineInOpenAisShape() throws Exception {
        String body = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":6,\"temperature\":0.9,\"seed\":5,"
                + "\"logprobs\":true,\"top_logprobs\":3}";
        var r = OpenAiServerTest.raw(server, "POST", "/v1/chat/completions", body);
        assertEquals(200, r.status(), r.response().body());
        var content = r.body().at("/choices/0/logprobs/content");
        assertTrue(content.isArray() && !content.isEmpty(), r.body().toString());
        int completion = r.body().at("/usage/completion_tokens").asInt();
        assertTrue(r.body().at("/usage/prompt_tokens").asInt() > 0, "usage.prompt_tokens is filled in: " + r.body().at("/usage"));
        assertTrue(content.size() == completion || content.size() == completion - 1, "one entry per sampled token (the EOS left out): " + content.size() + " vs " + completion);
        for (var t : content) {
            assertTrue(t.get("token").isTextual() && t.get("bytes").isArray());
            double lp = t.get("logprob").asDouble();
            assertTrue(lp <= 0 && Double.isFinite(lp), t.toString());
            var top = t.get("top_logprobs");
            assertEquals(3, top.size());
            for (int k = 1; k < 3; k++) assertTrue(top.get(k - 1).get("logprob").asDouble() >= top.get(k).get("logprob").asDouble(), "most likely first");
            assertTrue(lp <= top.get(0).get("logprob").asDouble() + 1e-6, "no token is likelier than the top one");
        }
        // greedy: the sampled token is the top alternative
        var greedy = OpenAiServerTest.raw(server, "POST", "/v1/chat/completions", body.replace("\"temperature\":0.9", "\"temperature\":0"));
        for (var t : greedy.body().at("/choices/0/logprobs/content"))
            assertEquals(t.get("logprob").asDouble(), t.at("/top_logprobs/0/logprob").asDouble(), 1e-6);
        // without logprobs the field is null, as OpenAI sends it
        var plain = OpenAiServerTest.raw(server, "POST", "/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":3}");
        assertTrue(plain.body().at("/choices/0/logprobs").isNull());
        // streamed: a sample's logprobs ride on its last chunk
        var streamed = OpenAiServerTest.raw(server, "POST", "/v1/chat/completions", body.replace("\"logprobs\"", "\"stream\":true,\"logprobs\""));
        assertTrue(streamed.response().body().contains("\"top_logprobs\""), streamed.response().body());
    }

    /**
     * {@code /v1/completions} continues text verbatim: our remote client through this server gives what the local model
     * gives, for a raw prompt and for a reasoning prefix rendered with the checkpoint's template (PP-COT branching);
     * the OpenAI SDK reads the same text; bad bodies are 400s that name the field.
     */
    @Test
    void textCompletionsAndReasoningPrefixesGoThroughV1CompletionsUnchanged() throws Exception {
        var remote = new OpenAiChatModel(OpenAiChatModel.Options.of(server.baseUrl(), "tiny").withMaxRetries(0), model.checkpoint().template());
        var params = new SamplingParams(0.8, 0.95, 12, 2, List.of(), SEED);
        String raw = "Once upon a time";
        var want = model.complete(raw, params);
        var got = remote.complete(raw, params);
        assertEquals(2, got.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(want.get(i).answer(), got.get(i).answer());
            assertEquals("", got.get(i).reasoning());
            assertEquals(want.get(i).finishReason(), got.get(i).finishReason());
        }
        assertNotEquals(want.get(0).answer(), want.get(1).answer(), "two samples of one seed differ");

        String prefix = "The user asks for a sum.\n\nWait,";
        assertTrue(remote.continuesReasoning());
        var wantR = model.continueReasoning(Q, prefix, SamplingParams.greedy(10));
        var gotR = remote.continueReasoning(Q, prefix, SamplingParams.greedy(10));
        assertEquals(wantR, List.of(new Completion(gotR.getFirst().reasoning(), gotR.getFirst().answer(), gotR.getFirst().finishReason(),
                wantR.getFirst().usage())));
        assertTrue(gotR.getFirst().reasoning().startsWith(prefix), gotR.getFirst().reasoning());
        // the local continuation is the greedy decoding of exactly the rendered prefix
        var prefill = dev.deliberate.align.llm.ReasoningPrefill.of(model.checkpoint().template(), Q, prefix);
        assertEquals(prefill.completion(model.complete(prefill.prompt(), SamplingParams.greedy(10)).getFirst().answer(), null, null).reasoning(),
                wantR.getFirst().reasoning());

        var sdk = client.completions().create(com.openai.models.completions.CompletionCreateParams.builder()
                .model("tiny").prompt(raw).maxTokens(12).temperature(0.8).topP(0.95).n(2).seed(SEED).build());
        assertEquals(List.of(want.get(0).answer(), want.get(1).answer()), sdk.choices().stream().map(c -> c.text()).toList());

        var http = java.net.http.HttpClient.newHttpClient();
        for (var bad : List.of(new String[]{"{\"model\":\"tiny\"}", "prompt"}, new String[]{"{\"model\":\"tiny\",\"prompt\":[1,2,3]}", "prompt"},
                new String[]{"{\"model\":\"tiny\",\"prompt\":\"x\",\"stream\":true}", "stream"},
                new String[]{"{\"model\":\"tiny\",\"prompt\":\"x\",\"echo\":true}", "echo"},
                new String[]{"{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":0}", "max_tokens"})) {
            var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + "/completions"))
                    .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(bad[0])).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(400, resp.statusCode(), bad[0] + " -> " + resp.body());
            assertEquals(bad[1], new com.fasterxml.jackson.databind.ObjectMapper().readTree(resp.body()).path("error").path("param").asText(), resp.body());
        }
        remote.close();
    }
}
