package dev.deliberate.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.deliberate.cli.serve.OpenAiServerTest.assertError;
import static dev.deliberate.cli.serve.OpenAiServerTest.raw;
import static org.junit.jupiter.api.Assertions.*;

/** What a hostile or broken client can do to the server: cross-site posts, slow or idle connections, too many of them, odd JSON, leaving mid-answer. */
@Timeout(60)
class ServerHardeningTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PATH = "/v1/chat/completions";
    static final String OK = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (var c : open.reversed()) c.close();
    }

    OpenAiServer serve(Scheduler scheduler, OpenAiServer.Options options) throws Exception {
        var s = new OpenAiServer("echo", scheduler, options);
        open.add(s);
        return s;
    }

    OpenAiServer echo(OpenAiServer.Options options) throws Exception {
        return serve(new BatchingScheduler(new EchoModel(0), 8, 4), options);
    }

    @Test
    void onlyJsonBodiesAreAccepted() throws Exception {
        var s = echo(OpenAiServer.Options.loopback(0));
        // a web page can post text/plain or a form without a preflight; those never reach the model
        assertError(raw(s, "POST", PATH, OK, "Content-Type", "text/plain"), 415, null, "application/json");
        assertError(raw(s, "POST", PATH, OK, "Content-Type", "application/x-www-form-urlencoded"), 415, null, "application/json");
        assertError(raw(s, "POST", PATH, OK, "Content-Type", "application/json; charset=latin1"), 415, null, "UTF-8");
        assertEquals(200, raw(s, "POST", PATH, OK, "Content-Type", "Application/JSON; charset=utf-8").status());
    }

    @Test
    void foreignOriginsAreRefusedUnlessAllowed() throws Exception {
        var s = echo(OpenAiServer.Options.loopback(0));
        var r = raw(s, "POST", PATH, OK, "Origin", "http://evil.example");
        assertError(r, 403, null, "evil.example", "--allow-origin");
        // a DNS-rebinding page: its own name, our port
        assertError(raw(s, "POST", PATH, OK, "Origin", "http://rebind.example:" + s.port()), 403, null, "rebind");
        assertError(raw(s, "POST", PATH, OK, "Origin", "null"), 403, null);
        assertEquals(200, raw(s, "POST", PATH, OK, "Origin", "http://127.0.0.1:" + s.port()).status());
        assertEquals(200, raw(s, "POST", PATH, OK, "Origin", "http://localhost:" + s.port()).status());
        assertEquals(200, raw(s, "POST", PATH, OK).status(), "no Origin: not a browser, allowed");

        var allowed = echo(OpenAiServer.Options.loopback(0).withAllowedOrigins(List.of("http://localhost:3000")));
        var ok = raw(allowed, "POST", PATH, OK, "Origin", "http://localhost:3000");
        assertEquals(200, ok.status());
        assertEquals("http://localhost:3000", ok.response().headers().firstValue("access-control-allow-origin").orElse(""));
        var preflight = raw(allowed, "OPTIONS", PATH, null, "Origin", "http://localhost:3000");
        assertEquals(204, preflight.status());
        assertTrue(preflight.response().headers().firstValue("access-control-allow-headers").orElse("").contains("Content-Type"));
        assertError(raw(allowed, "OPTIONS", PATH, null, "Origin", "http://localhost:3001"), 403, null);
    }

    @Test
    void jsonIsParsedStrictly() throws Exception {
        var s = echo(OpenAiServer.Options.loopback(0));
        assertError(raw(s, "POST", PATH, OK + "xyz"), 400, null, "could not parse");
        assertError(raw(s, "POST", PATH, OK + "{}"), 400, null, "could not parse");
        assertError(raw(s, "POST", PATH, "{\"model\":\"echo\",\"model\":\"other\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 400, null, "Duplicate");
        assertEquals(200, raw(s, "POST", PATH, OK + "\n  ").status(), "trailing whitespace is fine");
    }

    @Test
    void unsupportedFieldsAreRefusedNamingThem() throws Exception {
        var s = echo(OpenAiServer.Options.loopback(0));
        String base = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],";
        var rf = raw(s, "POST", PATH, base + "\"response_format\":{\"type\":\"json_object\"}}");
        assertError(rf, 400, "response_format", "json_object");
        assertEquals("unsupported_parameter", rf.body().at("/error/code").asText());
        assertError(raw(s, "POST", PATH, base + "\"frobnicate\":1}"), 400, "frobnicate", "Unrecognized request argument");
        assertError(raw(s, "POST", PATH, base + "\"presence_penalty\":0.5}"), 400, "presence_penalty");
        assertError(raw(s, "POST", PATH, base + "\"logit_bias\":{\"5\":10}}"), 400, "logit_bias");
        assertError(raw(s, "POST", PATH, base + "\"tool_choice\":\"auto\"}"), 400, "tool_choice");
        assertError(raw(s, "POST", PATH, base + "\"top_logprobs\":3}"), 400, "top_logprobs", "logprobs");
        assertError(raw(s, "POST", PATH, base + "\"logprobs\":true}"), 400, "logprobs", "not available");
        // what changes nothing is accepted
        assertEquals(200, raw(s, "POST", PATH, base + "\"user\":\"u1\",\"response_format\":{\"type\":\"text\"},\"presence_penalty\":0}").status());
    }

    /** A raw socket to the server. */
    static Socket connect(OpenAiServer s) throws IOException {
        var sock = new Socket("127.0.0.1", s.port());
        sock.setSoTimeout(20_000);
        return sock;
    }

    /** Everything until the server closes the connection. */
    static String readToClose(Socket sock) throws IOException {
        var out = new ByteArrayOutputStream();
        try (InputStream in = sock.getInputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // a reset also ends it
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static OpenAiServer.Options tight() {
        return OpenAiServer.Options.loopback(0).withHttpLimits(new Http1Server.Limits(Duration.ofMillis(600), Duration.ofMillis(600), Duration.ofMillis(600), 4, 4096));
    }

    @Test
    void slowAndIdleConnectionsAreClosed() throws Exception {
        var s = echo(tight());
        // slow headers: a byte every 100 ms never finishes within the 600 ms header deadline
        try (var sock = connect(s)) {
            long t0 = System.nanoTime();
            var out = sock.getOutputStream();
            String req = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n";
            try {
                for (char c : req.toCharArray()) {
                    out.write(c);
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException closed) {
                // the server hung up on us, as it should
            }
            String got = readToClose(sock);
            assertTrue(got.startsWith("HTTP/1.1 408"), got);
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        }
        // a slow body
        try (var sock = connect(s)) {
            var out = sock.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mo").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String got = readToClose(sock);
            assertTrue(got.startsWith("HTTP/1.1 408"), got);
            assertTrue(got.contains("request_timeout"), got);
        }
        // a connection that never sends anything, and an idle keep-alive one, are closed
        try (var sock = connect(s)) {
            long t0 = System.nanoTime();
            assertEquals("", readToClose(sock));
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        }
        try (var sock = connect(s)) {
            var out = sock.getOutputStream();
            out.write(("GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String got = readToClose(sock);
            assertTrue(got.startsWith("HTTP/1.1 200") && got.contains("\"echo\""), got);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (s.openConnections() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(0, s.openConnections());
    }

    @Test
    void theConnectionCapAnswers503AndNormalRequestsStillWork() throws Exception {
        var s = echo(OpenAiServer.Options.loopback(0).withHttpLimits(new Http1Server.Limits(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), 3, 4096)));
        var held = new ArrayList<Socket>();
        try {
            for (int i = 0; i < 3; i++) held.add(connect(s));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (s.openConnections() < 3 && System.nanoTime() < deadline) Thread.sleep(10);
            try (var extra = connect(s)) {
                String got = readToClose(extra);
                assertTrue(got.startsWith("HTTP/1.1 503") && got.contains("too_many_connections"), got);
            }
        } finally {
            for (Socket h : held) h.close();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (s.openConnections() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(200, raw(s, "POST", PATH, OK).status());
    }

    @Test
    void malformedHttpGetsAnErrorNotAHang() throws Exception {
        var s = echo(OpenAiServer.Options.loopback(0));
        for (String bad : List.of("NOT A REQUEST\r\n\r\n", "GET /v1/models HTTP/2.0\r\n\r\n", "GET /v1/models HTTP/1.1\r\n bad: fold\r\n\r\n",
                "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")) {
            try (var sock = connect(s)) {
                sock.getOutputStream().write(bad.getBytes(StandardCharsets.US_ASCII));
                sock.getOutputStream().flush();
                String got = readToClose(sock);
                assertTrue(got.matches("(?s)HTTP/1.1 (400|505) .*"), bad + " -> " + got);
            }
        }
        // a chunked body is read as one
        try (var sock = connect(s)) {
            String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            String body = Integer.toHexString(10) + "\r\n" + OK.substring(0, 10) + "\r\n" + Integer.toHexString(OK.length() - 10) + "\r\n" + OK.substring(10) + "\r\n0\r\n\r\n";
            sock.getOutputStream().write((head + body).getBytes(StandardCharsets.US_ASCII));
            String got = readToClose(sock);
            assertTrue(got.startsWith("HTTP/1.1 200"), got);
        }
    }

    // ---- cancellation ------------------------------------------------------------------------------------

    static String streamRequest(String content, int n) {
        return "{\"model\":\"echo\",\"stream\":true,\"n\":" + n + ",\"max_tokens\":5000,\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
    }

    /** Sends a request on a raw socket and waits for the first bytes of the answer. */
    static Socket startRequest(OpenAiServer s, String body) throws IOException {
        var sock = connect(s);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        sock.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        sock.getOutputStream().write(b);
        sock.getOutputStream().flush();
        return sock;
    }

    @Test
    void clientsThatLeaveMidStreamFreeTheirSlotsAtTheNextStep() throws Exception {
        long stepMillis = 25;
        var model = new StepwiseEchoModel(stepMillis);
        var s = serve(new ContinuousBatchingScheduler(model, 16, 8), OpenAiServer.Options.loopback(0));
        String longText = "w ".repeat(1500).strip(); // ~750 steps, about 19 s a stream
        var clients = new ArrayList<Socket>();
        for (int i = 0; i < 8; i++) {
            var sock = startRequest(s, streamRequest(longText, 1));
            clients.add(sock);
        }
        for (Socket c : clients) { // every stream is under way
            byte[] first = new byte[256];
            assertTrue(c.getInputStream().read(first) > 0);
        }
        assertEquals(8, model.activeNow.get(), "all eight slots decode");
        int stepsBefore = model.steps.get();
        long t0 = System.nanoTime();
        for (Socket c : clients) c.close();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (model.cancelled.get() < 8 && System.nanoTime() < deadline) Thread.sleep(2);
        long freedMillis = (System.nanoTime() - t0) / 1_000_000;
        int stepsTaken = model.steps.get() - stepsBefore;
        assertEquals(8, model.cancelled.get(), "the eight sequences were dropped");
        // the handlers see the close within their 20 ms probe, the worker drops the sequences before its next step
        assertTrue(stepsTaken <= 3, "slots freed within a step or two of the disconnects, took " + stepsTaken + " steps (" + freedMillis + " ms)");

        // the next request is decoded at once, not after the abandoned ones ran out
        long t1 = System.nanoTime();
        var r = raw(s, "POST", PATH, OK);
        long servedMillis = (System.nanoTime() - t1) / 1_000_000;
        assertEquals(200, r.status());
        assertEquals("you said: x [sample 0, seed null]", r.body().at("/choices/0/message/content").asText());
        int ownSteps = (EchoModel.answer(List.of(dev.deliberate.align.llm.Message.user("x")), dev.deliberate.align.llm.SamplingParams.greedy(100)).getFirst().text().length()
                + StepwiseEchoModel.CHARS_PER_STEP - 1) / StepwiseEchoModel.CHARS_PER_STEP;
        assertTrue(servedMillis < (ownSteps + 4) * stepMillis * 3, "served in " + servedMillis + " ms; its own " + ownSteps + " steps take " + ownSteps * stepMillis + " ms");
        assertEquals(0, model.activeNow.get());
    }

    @Test
    void allSamplesOfALeavingRequestAndNonStreamingRequestsAreCancelledToo() throws Exception {
        var model = new StepwiseEchoModel(20);
        var s = serve(new ContinuousBatchingScheduler(model, 16, 8), OpenAiServer.Options.loopback(0));
        String longText = "w ".repeat(1500).strip();
        try (var c = startRequest(s, streamRequest(longText, 4))) {
            assertTrue(c.getInputStream().read(new byte[256]) > 0);
            assertEquals(4, model.activeNow.get());
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (model.cancelled.get() < 4 && System.nanoTime() < deadline) Thread.sleep(2);
        assertEquals(4, model.cancelled.get(), "n = 4: all four sequences dropped");

        var plain = startRequest(s, "{\"model\":\"echo\",\"n\":2,\"max_tokens\":5000,\"messages\":[{\"role\":\"user\",\"content\":\"" + longText + "\"}]}");
        deadline = System.nanoTime() + 10_000_000_000L;
        while (model.activeNow.get() < 2 && System.nanoTime() < deadline) Thread.sleep(2);
        plain.close();
        while (model.cancelled.get() < 6 && System.nanoTime() < deadline) Thread.sleep(2);
        assertEquals(6, model.cancelled.get(), "a non-streaming request is cancelled when its client closes");
        assertEquals(0, model.activeNow.get());
    }

    @Test
    void aRequestThatLeavesTheQueueGivesItsPlaceBack() throws Exception {
        var gated = new OpenAiServerTest.GatedModel();
        var scheduler = new BatchingScheduler(gated, 2, 1);
        var s = serve(scheduler, OpenAiServer.Options.loopback(0));
        var first = startRequest(s, OK);
        assertTrue(gated.entered.await(10, java.util.concurrent.TimeUnit.SECONDS));
        var waiting = List.of(startRequest(s, OK), startRequest(s, OK));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (scheduler.queued() < 2 && System.nanoTime() < deadline) Thread.sleep(5);
        assertError(raw(s, "POST", PATH, OK), 429, null, "queue is full");
        for (Socket w : waiting) w.close();
        while (scheduler.queued() > 0 && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(0, scheduler.queued(), "the two that left are out of the queue");
        var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        var again = pool.submit(() -> raw(s, "POST", PATH, OK));
        while (scheduler.queued() < 1 && System.nanoTime() < deadline) Thread.sleep(5);
        gated.release.countDown();
        assertEquals(200, again.get().status());
        first.close();
        pool.close();
    }

    static JsonNode json(String s) throws IOException {
        return JSON.readTree(s);
    }
}
