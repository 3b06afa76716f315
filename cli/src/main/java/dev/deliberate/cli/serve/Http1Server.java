package dev.deliberate.cli.serve;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 server (RFC 9112: request line, headers, Content-Length or chunked bodies, keep-alive) on
 * blocking sockets and one virtual thread per connection. It exists instead of the JDK's {@code HttpServer} because
 * a server in front of a model must bound what a client can hold — a deadline for the headers and one for the body
 * (slow clients are cut off), an idle limit between keep-alive requests, a cap on open connections — and must see a
 * client that went away while its answer is still being decoded ({@link HttpCall#clientGone}), so the decode slot is
 * freed instead of running on for nobody.
 */
public final class Http1Server implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Http1Server.class.getName());

    /**
     * @param headerTimeout  time a client has to send the request line and headers, from its first byte
     * @param bodyTimeout    time a client has to send the body, once the headers are in
     * @param idleTimeout    how long a connection may wait for its next request (and for the first one)
     * @param maxConnections open connections at once; more get 503 and are closed
     * @param maxHeaderBytes request line plus headers
     */
    public record Limits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout, int maxConnections, int maxHeaderBytes) {
        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(15), 512, 32 << 10);

        public Limits {
            Objects.requireNonNull(headerTimeout);
            Objects.requireNonNull(bodyTimeout);
            Objects.requireNonNull(idleTimeout);
            for (var d : new Duration[]{headerTimeout, bodyTimeout, idleTimeout})
                if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE)
                    throw new IllegalArgumentException("timeouts must be positive and under 24 days, got " + d);
            if (maxConnections < 1) throw new IllegalArgumentException("the connection cap must be >= 1, got " + maxConnections);
            if (maxHeaderBytes < 1024) throw new IllegalArgumentException("the header limit must be >= 1024 bytes, got " + maxHeaderBytes);
        }
    }

    interface Handler {
        void handle(HttpCall call) throws IOException;
    }

    private final ServerSocket socket;
    private final Limits limits;
    private final Handler handler;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger busy = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closing;

    Http1Server(String host, int port, Limits limits, Handler handler) throws IOException {
        this.limits = limits;
        this.handler = handler;
        this.socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 256);
        this.acceptor = Thread.ofPlatform().name("http-accept-" + socket.getLocalPort()).daemon().start(this::accept);
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Connections open now (for tests and the cap). */
    int openConnections() {
        return connections.size();
    }

    /** Requests being handled now. */
    int busy() {
        return busy.get();
    }

    private void accept() {
        while (!closing) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (!closing) LOG.log(System.Logger.Level.WARNING, "accept failed: " + e.getMessage());
                continue;
            }
            if (connections.size() >= limits.maxConnections()) {
                threads.execute(() -> refuse(s));
                continue;
            }
            connections.add(s);
            threads.execute(() -> serve(s));
        }
    }

    /** Over the connection cap: a short 503 and close, without reading what the client sends. */
    private void refuse(Socket s) {
        try (s) {
            s.setSoTimeout(1000);
            byte[] body = ("{\"error\":{\"message\":\"too many open connections (" + limits.maxConnections()
                    + "); retry shortly\",\"type\":\"server_error\",\"param\":null,\"code\":\"too_many_connections\"}}").getBytes(StandardCharsets.UTF_8);
            var out = s.getOutputStream();
            out.write(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            s.shutdownOutput();
        } catch (IOException ignored) {
            // the client is gone already
        }
    }

    private void serve(Socket s) {
        try (s) {
            converse(s);
            lingeringClose(s);
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            connections.remove(s);
        }
    }

    /**
     * Half-closes, then reads and drops what the client is still sending (at most 1 s, 1 MiB) before the close. A
     * close with unread bytes makes the kernel send a TCP reset, which can destroy an error answer (a 413 to a huge
     * body) before the client has read it; RFC 9112 §9.6 calls this a lingering close.
     */
    private static void lingeringClose(Socket s) {
        if (s.isClosed() || s.isOutputShutdown()) return;
        try {
            s.getOutputStream().flush();
            s.shutdownOutput();
            s.setSoTimeout(1000);
            var in = s.getInputStream();
            byte[] sink = new byte[8192];
            long deadline = System.nanoTime() + 1_000_000_000L;
            for (long drained = 0; drained < (1 << 20) && System.nanoTime() < deadline; ) {
                int n = in.read(sink);
                if (n < 0) break;
                drained += n;
            }
        } catch (IOException ignored) {
            // the client is gone, or slow: close now
        }
    }

    /** Requests on one connection until it closes; a malformed one is answered before the close. */
    private void converse(Socket s) {
        try {
            s.setTcpNoDelay(true);
            var in = new HttpCall.Input(s);
            var out = s.getOutputStream();
            boolean first = true;
            while (!closing) {
                // the first request gets the header deadline, later ones the idle limit, before their first byte
                HttpCall call = HttpCall.read(s, in, out, limits, first ? limits.headerTimeout() : limits.idleTimeout());
                first = false;
                if (call == null) return; // closed or idle
                busy.incrementAndGet();
                try {
                    handler.handle(call);
                    if (!call.finish()) return;
                } finally {
                    busy.decrementAndGet();
                }
            }
        } catch (HttpCall.Malformed e) {
            LOG.log(System.Logger.Level.DEBUG, "bad request from " + s.getRemoteSocketAddress() + ": " + e.getMessage());
            try {
                byte[] body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().set("error",
                        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("message", e.getMessage()).put("type", "invalid_request_error")
                                .putNull("param").putNull("code")).toString().getBytes(StandardCharsets.UTF_8);
                var out = s.getOutputStream();
                out.write(("HTTP/1.1 " + e.status + " " + HttpCall.reason(e.status) + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            } catch (IOException ignored) {
                // the client is gone
            }
        } catch (SocketException e) {
            LOG.log(System.Logger.Level.DEBUG, "connection closed: " + e.getMessage());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "connection failed: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "connection handler failed: " + e, e);
        }
    }

    /** Stops accepting, waits up to {@code grace} for requests in progress, then closes every connection. */
    void stop(Duration grace) {
        if (closing) return;
        closing = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (busy.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Socket c : connections) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdown();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}
