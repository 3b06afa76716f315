package dev.deliberate.align.llm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A loopback HTTP/1.1 server on a raw socket, so that tests can misbehave in ways a real server library will
 * not: reset the connection, stall mid-body, cut a stream short. Each request is answered by the script with
 * one {@link Action}; every connection is closed after one exchange.
 */
final class StubServer implements AutoCloseable {
    record Request(int number, String method, String path, Map<String, String> headers, String body) {}

    sealed interface Action {}

    record Respond(int status, Map<String, String> headers, String body) implements Action {}

    /** Closes the socket with SO_LINGER 0, which sends a TCP reset. */
    record Reset() implements Action {}

    /** Sends the status line and headers and part of the body, then waits {@code millis} before finishing. */
    record Stall(String partialBody, long millis) implements Action {}

    /** Server-sent events: each string goes out as {@code data: …} followed by a pause of {@code gapMillis}. */
    record Sse(List<String> data, long gapMillis, boolean done) implements Action {}

    static Respond json(int status, String body) {
        return new Respond(status, Map.of("Content-Type", "application/json"), body);
    }

    private final ServerSocket socket;
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final Function<Request, Action> script;
    final AtomicInteger requests = new AtomicInteger();
    final List<Request> seen = new CopyOnWriteArrayList<>();

    StubServer(Function<Request, Action> script) throws IOException {
        this.script = script;
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.submit(this::acceptLoop);
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/v1");
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                pool.submit(() -> handle(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket s) {
        try (s) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            String head = readHead(in);
            if (head == null) return;
            String[] lines = head.split("\r\n");
            String[] first = lines[0].split(" ");
            var headers = new TreeMap<String, String>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c > 0) headers.put(lines[i].substring(0, c).strip().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).strip());
            }
            int len = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            String body = new String(in.readNBytes(len), StandardCharsets.UTF_8);
            var req = new Request(requests.incrementAndGet(), first[0], first[1], headers, body);
            seen.add(req);
            Action a = script.apply(req);
            OutputStream out = s.getOutputStream();
            switch (a) {
                case Respond r -> {
                    byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
                    out.write(head(r.status(), r.headers(), b.length));
                    out.write(b);
                }
                case Reset r -> s.setSoLinger(true, 0);
                case Stall st -> {
                    byte[] b = st.partialBody().getBytes(StandardCharsets.UTF_8);
                    out.write(head(200, Map.of("Content-Type", "application/json"), b.length + 100));
                    out.write(b);
                    out.flush();
                    Thread.sleep(st.millis());
                }
                case Sse sse -> {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    for (String d : sse.data()) {
                        out.write(("data: " + d + "\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        if (sse.gapMillis() > 0) Thread.sleep(sse.gapMillis());
                    }
                    if (sse.done()) out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                }
            }
            out.flush();
        } catch (IOException | InterruptedException e) {
            // the client went away: part of what these tests provoke
        }
    }

    private static byte[] head(int status, Map<String, String> headers, int length) {
        var sb = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("Content-Length: ").append(length).append("\r\nConnection: close\r\n\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String readHead(InputStream in) throws IOException {
        var buf = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) return null;
            buf.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) ? state + 1 : (b == '\n' && (state == 1 || state == 3)) ? state + 1 : (b == '\r' ? 1 : 0);
        }
        return buf.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        pool.shutdownNow();
    }
}
