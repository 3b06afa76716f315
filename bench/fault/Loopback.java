import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback clients and servers for bench/fault-injection.sh that bash cannot be: slow senders, a hung upstream,
 * concurrent load, clients that leave mid-stream. Run as a single-file program: {@code java bench/fault/Loopback.java MODE …}.
 * Every socket is 127.0.0.1. Each mode prints one line of {@code key=value} results.
 */
public class Loopback {
    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "slow" -> slow(Integer.parseInt(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]));
            case "load" -> load(Integer.parseInt(a[1]), Integer.parseInt(a[2]), a[3], Integer.parseInt(a[4]));
            case "abandon" -> abandon(Integer.parseInt(a[1]), Integer.parseInt(a[2]), a[3]);
            case "hung" -> hung(Integer.parseInt(a[1]), a.length > 2 ? java.nio.file.Path.of(a[2]) : null);
            case "corrupt" -> corrupt(java.nio.file.Path.of(a[1]), a[2]);
            default -> throw new IllegalArgumentException("modes: slow PORT N SECONDS | load PORT N MODEL MAX_TOKENS | abandon PORT K MODEL | hung PORT [LOG] | corrupt FILE overlap|gap|duplicate|nan");
        }
    }

    record Response(int status, String body, long millis) {}

    static Response post(int port, String body, int timeoutMs) throws IOException {
        long t0 = System.nanoTime();
        try (var s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(timeoutMs);
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                    + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            var buf = new ByteArrayOutputStream();
            s.getInputStream().transferTo(buf);
            String r = buf.toString(StandardCharsets.UTF_8);
            int status = r.startsWith("HTTP/1.1 ") ? Integer.parseInt(r.substring(9, 12)) : -1;
            return new Response(status, r, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    static int get(int port, String path) {
        try (var s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] head = s.getInputStream().readNBytes(12);
            return Integer.parseInt(new String(head, StandardCharsets.US_ASCII).substring(9, 12));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** N connections that send a request line a byte a second for up to SECONDS; when does the server cut each off? */
    static void slow(int port, int n, int seconds) throws Exception {
        var cutAt = new ConcurrentLinkedQueue<Long>();
        var open = new AtomicInteger();
        var done = new CountDownLatch(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++)
            Thread.ofVirtual().start(() -> {
                try (var s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    open.incrementAndGet();
                    s.setSoTimeout(1000);
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    String line = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(200);
                    for (int k = 0; k < seconds; k++) {
                        out.write(line.charAt(k % line.length()));
                        out.flush();
                        try {
                            if (in.read() < 0) break; // the server answered (408) and closed
                        } catch (java.net.SocketTimeoutException stillOpen) {
                            continue;
                        }
                        while (in.read() >= 0) { }
                        break;
                    }
                } catch (IOException closed) {
                    // a reset: cut off
                } finally {
                    cutAt.add((System.nanoTime() - t0) / 1_000_000);
                    done.countDown();
                }
            });
        int served = 0, tried = 0;
        while (done.getCount() > 0 && (System.nanoTime() - t0) / 1e9 < seconds + 5) {
            tried++;
            if (get(port, "/v1/models") == 200) served++;
            Thread.sleep(1000);
        }
        done.await();
        long[] t = cutAt.stream().mapToLong(Long::longValue).sorted().toArray();
        long heldPastLimit = Arrays.stream(t).filter(x -> x >= seconds * 1000L).count();
        System.out.println("slow connections=" + n + " opened=" + open.get() + " closed_by_server_ms_min=" + t[0] + " max=" + t[t.length - 1]
                + " held_the_whole_" + seconds + "s=" + heldPastLimit + " normal_requests_served=" + served + "/" + tried);
    }

    /** N concurrent requests; how many are answered, refused with 429, or fail otherwise, and how long the answered took. */
    static void load(int port, int n, String model, int maxTokens) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the Vexworm.\"}]}";
        var results = new ConcurrentLinkedQueue<Response>();
        var start = new CountDownLatch(1);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++)
                pool.submit(() -> {
                    start.await();
                    try {
                        results.add(post(port, body, 600_000));
                    } catch (IOException e) {
                        results.add(new Response(-1, e.toString(), 0));
                    }
                    return null;
                });
            start.countDown();
        }
        int ok = 0, limited = 0, other = 0;
        var okMs = new ArrayList<Long>();
        var limitedMs = new ArrayList<Long>();
        for (Response r : results) {
            if (r.status() == 200) {
                ok++;
                okMs.add(r.millis());
            } else if (r.status() == 429) {
                limited++;
                limitedMs.add(r.millis());
                if (!r.body().contains("retry-after: 1") && !r.body().contains("Retry-After: 1")) other++;
            } else other++;
        }
        System.out.println("load requests=" + n + " answered=" + ok + " refused_429=" + limited + " other=" + other
                + " answered_p50_ms=" + pct(okMs, 50) + " answered_p99_ms=" + pct(okMs, 99) + " refused_p50_ms=" + pct(limitedMs, 50));
    }

    static long pct(List<Long> xs, int p) {
        if (xs.isEmpty()) return -1;
        var s = xs.stream().sorted().toList();
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    /** K streaming requests that leave after their first bytes; then how long a new request takes. */
    static void abandon(int port, int k, String model) throws Exception {
        String longBody = "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":4000,\"temperature\":1,\"messages\":[{\"role\":\"user\",\"content\":\"Write a very long story.\"}]}";
        String shortBody = "{\"model\":\"" + model + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
        long alone = post(port, shortBody, 600_000).millis();
        var socks = new ArrayList<Socket>();
        for (int i = 0; i < k; i++) {
            var s = new Socket(InetAddress.getLoopbackAddress(), port);
            s.setSoTimeout(60_000);
            byte[] b = longBody.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(b);
            socks.add(s);
        }
        for (Socket s : socks) s.getInputStream().read(new byte[512]); // every stream is under way
        Thread.sleep(500);
        for (Socket s : socks) s.close();
        Response after = post(port, shortBody, 600_000);
        System.out.println("abandon streams=" + k + " next_request_status=" + after.status() + " next_request_ms=" + after.millis() + " same_request_alone_ms=" + alone);
    }

    /** Accepts connections and never answers: an upstream that hangs. With LOG, what each request sent is appended there. */
    static void hung(int port, java.nio.file.Path log) throws Exception {
        try (var ss = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            System.out.println("hung port=" + ss.getLocalPort());
            System.out.flush();
            var held = new ArrayList<Socket>();
            while (true) {
                Socket s = ss.accept();
                held.add(s);
                if (log != null)
                    Thread.ofVirtual().start(() -> {
                        try {
                            s.setSoTimeout(2000);
                            byte[] b = new byte[4096];
                            int n = s.getInputStream().read(b);
                            if (n > 0) synchronized (Loopback.class) {
                                java.nio.file.Files.write(log, Arrays.copyOf(b, n), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                            }
                        } catch (IOException ignored) {
                            // nothing sent
                        }
                    });
            }
        }
    }

    /** Rewrites a safetensors file as the fault-injection pass found them: overlapping or gapped ranges, a name twice, a NaN weight. */
    static void corrupt(java.nio.file.Path file, String kind) throws IOException {
        byte[] all = java.nio.file.Files.readAllBytes(file);
        long len = java.nio.ByteBuffer.wrap(all, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(all, 8, (int) len, StandardCharsets.UTF_8).strip();
        byte[] data = Arrays.copyOfRange(all, 8 + (int) len, all.length);
        var m = java.util.regex.Pattern.compile("\"data_offsets\":\\[(\\d+),(\\d+)\\]").matcher(header);
        var sb = new StringBuilder();
        int seen = 0;
        while (m.find()) {
            long b = Long.parseLong(m.group(1)), e = Long.parseLong(m.group(2));
            seen++;
            if (seen == 2 && kind.equals("overlap")) { b -= 4; e -= 4; }
            if (seen == 2 && kind.equals("gap")) { b += 4; e += 4; }
            m.appendReplacement(sb, "\"data_offsets\":[" + b + "," + e + "]");
        }
        m.appendTail(sb);
        header = sb.toString();
        if (kind.equals("gap")) data = Arrays.copyOf(data, data.length + 4);
        if (kind.equals("duplicate")) { // the first tensor entry again, under the same name, as the last key
            var first = java.util.regex.Pattern.compile("\"([^\"]+)\":(\\{\"dtype\"[^}]*\\})").matcher(header);
            if (!first.find()) throw new IOException("no tensor entry in " + file);
            header = header.substring(0, header.length() - 1) + ",\"" + first.group(1) + "\":" + first.group(2) + "}";
        }
        if (kind.equals("nan")) java.nio.ByteBuffer.wrap(data, 0, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        var out = java.nio.ByteBuffer.allocate(8 + h.length + data.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(data);
        java.nio.file.Files.write(file, out.array());
        System.out.println("corrupt " + kind + " " + file);
    }
}
