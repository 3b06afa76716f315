package dev.deliberate.cli.serve;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.deliberate.align.llm.ApiKey;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** The official OpenAI Java SDK, an independent client, talks to our server. */
@Timeout(60)
class OpenAiSdkTest {
    OpenAiServer server;
    OpenAIClient client;

    @BeforeEach
    void start() throws Exception {
        server = new OpenAiServer("echo", new BatchingScheduler(new EchoModel(0), 8, 4),
                OpenAiServer.Options.loopback(0).withApiKey(ApiKey.of("sdk-key", "$K")));
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl().toString()).apiKey("sdk-key")
                .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    static final List<Message> Q = List.of(Message.system("be brief"), Message.user("ping"));

    ChatCompletionCreateParams.Builder params() {
        return ChatCompletionCreateParams.builder().model("echo").addSystemMessage("be brief").addUserMessage("ping")
                .temperature(0.3).topP(0.9).maxTokens(40).seed(11);
    }

    @Test
    void plainCompletions() {
        ChatCompletion c = client.chat().completions().create(params().n(2).stopOfStrings(List.of(", seed")).build());
        var want = EchoModel.answer(Q, new SamplingParams(0.3, 0.9, 40, 2, List.of(", seed"), 11L));
        assertEquals("echo", c.model());
        assertEquals(2, c.choices().size());
        for (int i = 0; i < 2; i++) {
            var choice = c.choices().get(i);
            assertEquals(i, choice.index());
            assertEquals(want.get(i).answer(), choice.message().content().orElseThrow());
            assertEquals(ChatCompletion.Choice.FinishReason.STOP, choice.finishReason());
            assertEquals(JsonValue.from(want.get(i).reasoning()), choice.message()._additionalProperties().get("reasoning_content"));
        }
        assertEquals(want.stream().mapToInt(x -> x.usage().completionTokens()).sum(), c.usage().orElseThrow().completionTokens());
    }

    @Test
    void streamingCompletions() {
        var text = new TreeMap<Long, StringBuilder>();
        var reasoning = new TreeMap<Long, StringBuilder>();
        var finish = new TreeMap<Long, String>();
        var usage = new ArrayList<Long>();
        var p = params().n(2).streamOptions(com.openai.models.chat.completions.ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (var stream = client.chat().completions().createStreaming(p)) {
            stream.stream().forEach((ChatCompletionChunk chunk) -> {
                chunk.usage().ifPresent(u -> usage.add(u.completionTokens()));
                for (var ch : chunk.choices()) {
                    ch.delta().content().ifPresent(s -> text.computeIfAbsent(ch.index(), k -> new StringBuilder()).append(s));
                    JsonValue r = ch.delta()._additionalProperties().get("reasoning_content");
                    if (r != null) reasoning.computeIfAbsent(ch.index(), k -> new StringBuilder()).append(r.asString().orElseThrow());
                    ch.finishReason().ifPresent(f -> finish.put(ch.index(), f.asString()));
                }
            });
        }
        var want = EchoModel.answer(Q, new SamplingParams(0.3, 0.9, 40, 2, List.of(), 11L));
        assertEquals(Map.of(0L, want.get(0).answer(), 1L, want.get(1).answer()), Map.of(0L, text.get(0L).toString(), 1L, text.get(1L).toString()));
        assertEquals(want.get(1).reasoning(), reasoning.get(1L).toString());
        assertEquals(Map.of(0L, "stop", 1L, "stop"), finish);
        assertEquals(List.of((long) want.stream().mapToInt(x -> x.usage().completionTokens()).sum()), usage);
    }

    @Test
    void errorsReachTheSdkAsTypedExceptions() {
        var e = assertThrows(NotFoundException.class, () -> client.chat().completions().create(params().model("gpt-9").build()));
        assertTrue(e.getMessage().contains("gpt-9"), e.getMessage());
        assertThrows(BadRequestException.class, () -> client.chat().completions().create(params().temperature(7.0).build()));
        var wrongKey = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl().toString()).apiKey("wrong").maxRetries(0).build();
        try {
            assertThrows(UnauthorizedException.class, () -> wrongKey.chat().completions().create(params().build()));
        } finally {
            wrongKey.close();
        }
        assertEquals(List.of("echo"), client.models().list().data().stream().map(m -> m.id()).toList());
    }
}
