package dev.deliberate.cli.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP/1.1 request on a connection of {@link Http1Server} and its response: a plain body with
 * Content-Length, or a stream of chunks (server-sent events). The body is read only when asked for, with the
 * size limit and the body deadline; {@link #clientGone} tells whether the client has closed its side.
 */
public final class HttpCall {
    /** A request the server cannot parse: answered with {@code status} and the connection closed. */
    static final class Malformed extends IOException {
        final int status;

        Malformed(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** The socket's input with a buffer, reads bounded by a deadline, and a probe for a closed peer. */
    static final class Input {
        private final Socket socket;
        private final InputStream in;
        private final byte[] buf = new byte[16 << 10];
        private int pos, lim;
        private boolean eof;

        Input(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
        }

        /** The next byte, -1 at end of stream; SocketTimeoutException once {@code deadline} (System.nanoTime) passes. */
        int read(long deadline) throws IOException {
            if (pos == lim && !fill(deadline)) return -1;
            return buf[pos++] & 0xff;
        }

        /** Up to {@code len} bytes, at least one unless at end of stream. */
        int read(byte[] b, int off, int len, long deadline) throws IOException {
            if (pos == lim && !fill(deadline)) return -1;
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        private boolean fill(long deadline) throws IOException {
            if (eof) return false;
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) throw new SocketTimeoutException("deadline passed");
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                eof = true;
                return false;
            }
            pos = 0;
            lim = n;
            return true;
        }

        /** True when the peer has closed (or reset) the connection; bytes it sent meanwhile stay buffered. */
        boolean peerClosed() {
            if (eof) return true;
            if (pos < lim) return false; // a pipelined request is waiting: the client is there
            try {
                socket.setSoTimeout(1);
                int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    eof = true;
                    return true;
                }
                pos = 0;
                lim = n;
                return false;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                eof = true;
                return true;
            }
        }
    }

    private final Socket socket;
    private final Input in;
    private final OutputStream out;
    private final Http1Server.Limits limits;
    private final String method, path, query, version;
    private final Map<String, List<String>> headers;
    private final Map<String, String> responseHeaders = new LinkedHashMap<>();
    private byte[] body;
    private long bodyLeft; // Content-Length bytes not yet read; -1 = chunked, not yet read
    private boolean chunked, bodyDone, continueSent, sent, streaming, streamEnded, close, gone;

    private HttpCall(Socket socket, Input in, OutputStream out, Http1Server.Limits limits, String method, String target,
                     String version, Map<String, List<String>> headers) throws Malformed {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.limits = limits;
        this.method = method;
        this.version = version;
        this.headers = headers;
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        this.query = q < 0 ? "" : target.substring(q + 1);
        if (rawPath.startsWith("http://") || rawPath.startsWith("https://")) { // absolute form (RFC 9112 §3.2.2)
            int slash = rawPath.indexOf('/', rawPath.indexOf("//") + 2);
            rawPath = slash < 0 ? "/" : rawPath.substring(slash);
        }
        if (!rawPath.startsWith("/")) throw new Malformed(400, "the request target must start with '/'");
        try {
            this.path = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Malformed(400, "the request path is not valid percent-encoding");
        }
        String te = header("Transfer-Encoding"), cl = header("Content-Length");
        if (te != null) {
            if (!te.strip().equalsIgnoreCase("chunked")) throw new Malformed(501, "Transfer-Encoding '" + te + "' is not supported; send chunked or a Content-Length");
            if (cl != null) throw new Malformed(400, "a request may not have both Transfer-Encoding and Content-Length");
            chunked = true;
            bodyLeft = -1;
        } else if (cl != null) {
            if (headers.get("Content-Length").size() > 1 || !cl.strip().matches("[0-9]{1,18}"))
                throw new Malformed(400, "the Content-Length header is not one number");
            bodyLeft = Long.parseLong(cl.strip());
            bodyDone = bodyLeft == 0;
        } else {
            bodyDone = true;
        }
        String conn = header("Connection");
        boolean http10 = version.equals("HTTP/1.0");
        close = conn != null ? conn.toLowerCase().contains("close") || (http10 && !conn.toLowerCase().contains("keep-alive")) : http10;
    }

    /**
     * Reads the next request's line and headers.
     *
     * @param firstByte how long to wait for the request to begin
     * @return null when the client closed the connection or sent nothing in time
     */
    static HttpCall read(Socket socket, Input in, OutputStream out, Http1Server.Limits limits, Duration firstByte) throws IOException {
        int b;
        try {
            long wait = System.nanoTime() + firstByte.toNanos();
            do b = in.read(wait); while (b == '\r' || b == '\n');
        } catch (SocketTimeoutException e) {
            return null;
        }
        if (b < 0) return null;
        long deadline = System.nanoTime() + limits.headerTimeout().toNanos();
        var lines = new ArrayList<String>();
        var line = new StringBuilder();
        int total = 0;
        try {
            line.append((char) b);
            while (true) {
                b = in.read(deadline);
                if (b < 0) return null; // closed mid-headers
                if (++total > limits.maxHeaderBytes())
                    throw new Malformed(431, "the request line and headers exceed " + limits.maxHeaderBytes() + " bytes");
                if (b == '\n') {
                    if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') line.setLength(line.length() - 1);
                    if (line.isEmpty()) break;
                    lines.add(line.toString());
                    line.setLength(0);
                } else {
                    line.append((char) b); // ISO-8859-1, as RFC 9110 §5.5 has it
                }
            }
        } catch (SocketTimeoutException e) {
            throw new Malformed(408, "the request headers did not arrive within " + limits.headerTimeout().toSeconds() + " s");
        }
        String[] parts = lines.getFirst().split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || !parts[0].chars().allMatch(c -> c > 32 && c < 127 && c != '(' && c != ')'))
            throw new Malformed(400, "malformed request line");
        if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0"))
            throw new Malformed(505, "only HTTP/1.0 and HTTP/1.1 are served, got " + parts[2]);
        var headers = new TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.size(); i++) {
            String h = lines.get(i);
            int colon = h.indexOf(':');
            if (colon <= 0 || Character.isWhitespace(h.charAt(0)) || Character.isWhitespace(h.charAt(colon - 1)))
                throw new Malformed(400, "malformed header line " + i);
            headers.computeIfAbsent(h.substring(0, colon), k -> new ArrayList<>()).add(h.substring(colon + 1).strip());
        }
        return new HttpCall(socket, in, out, limits, parts[0], parts[1], parts[2], headers);
    }

    public String method() {
        return method;
    }

    /** The decoded path, without the query. */
    public String path() {
        return path;
    }

    public String query() {
        return query;
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    /** Adds a header to the response (before it is sent). */
    public void setHeader(String name, String value) {
        if (sent) throw new IllegalStateException("the response is already sent");
        responseHeaders.put(name, value);
    }

    /** Whether the request carries a body (Content-Length above 0, or chunked). */
    public boolean hasBody() {
        return chunked || bodyLeft > 0;
    }

    /**
     * The request body, read now: at most {@code maxBytes} (else 413), within the body deadline (else 408).
     * The connection is closed after a body that could not be read whole.
     */
    public byte[] body(int maxBytes) throws IOException {
        if (body != null) return body;
        if (!chunked && bodyLeft > maxBytes) {
            close = true;
            throw tooLarge(maxBytes, bodyLeft);
        }
        if ("100-continue".equalsIgnoreCase(header("Expect")) && !continueSent && !bodyDone) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            continueSent = true;
        }
        long deadline = System.nanoTime() + limits.bodyTimeout().toNanos();
        try {
            body = chunked ? readChunked(maxBytes, deadline) : readFixed((int) Math.max(0, bodyLeft), deadline);
        } catch (SocketTimeoutException e) {
            close = true;
            throw new ApiError(408, "invalid_request_error", null, "request_timeout",
                    "the request body did not arrive within " + limits.bodyTimeout().toSeconds() + " s");
        } catch (Malformed e) {
            close = true;
            throw new ApiError(e.status, "invalid_request_error", null, e.status == 413 ? "request_too_large" : null, e.getMessage());
        }
        bodyDone = true;
        bodyLeft = 0;
        return body;
    }

    private static ApiError tooLarge(int max, long size) {
        return new ApiError(413, "invalid_request_error", null, "request_too_large",
                "the request body " + (size >= 0 ? "(" + size + " bytes) " : "") + "exceeds this server's limit of " + max + " bytes");
    }

    private byte[] readFixed(int n, long deadline) throws IOException {
        byte[] b = new byte[n];
        for (int off = 0; off < n; ) {
            int r = in.read(b, off, n - off, deadline);
            if (r < 0) throw new Malformed(400, "the connection closed after " + off + " of " + n + " body bytes");
            off += r;
        }
        return b;
    }

    private byte[] readChunked(int max, long deadline) throws IOException {
        var acc = new java.io.ByteArrayOutputStream();
        while (true) {
            String size = line(deadline);
            int semi = size.indexOf(';');
            if (semi >= 0) size = size.substring(0, semi);
            long n;
            try {
                n = Long.parseLong(size.strip(), 16);
            } catch (NumberFormatException e) {
                throw new Malformed(400, "malformed chunk size in the request body");
            }
            if (n < 0 || acc.size() + n > max) throw new Malformed(413, "the request body exceeds this server's limit of " + max + " bytes");
            if (n == 0) {
                while (!line(deadline).isEmpty()) ; // trailers
                return acc.toByteArray();
            }
            acc.write(readFixed((int) n, deadline));
            if (!line(deadline).isEmpty()) throw new Malformed(400, "a chunk of the request body does not end with CRLF");
        }
    }

    private String line(long deadline) throws IOException {
        var sb = new StringBuilder();
        while (true) {
            int b = in.read(deadline);
            if (b < 0) throw new Malformed(400, "the connection closed inside a chunked body");
            if (b == '\n') break;
            if (sb.length() > 4096) throw new Malformed(400, "a chunk header line is too long");
            sb.append((char) b);
        }
        if (!sb.isEmpty() && sb.charAt(sb.length() - 1) == '\r') sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /** Sends a whole response. */
    public void send(int status, String contentType, byte[] content) throws IOException {
        if (sent) throw new IllegalStateException("the response is already sent");
        sent = true;
        if (contentType != null) responseHeaders.put("Content-Type", contentType);
        responseHeaders.put("Content-Length", Integer.toString(content.length));
        try {
            out.write(head(status));
            if (!method.equals("HEAD")) out.write(content);
            out.flush();
        } catch (IOException e) {
            gone = true;
            throw e;
        }
    }

    /** Starts a streamed response; write its parts with {@link #write}, end it with {@link #endStream}. */
    public void startStream(int status, String contentType) throws IOException {
        if (sent) throw new IllegalStateException("the response is already sent");
        sent = true;
        streaming = true;
        responseHeaders.put("Content-Type", contentType);
        if (version.equals("HTTP/1.0")) close = true; // no chunked encoding: the end of the stream is the close
        else responseHeaders.put("Transfer-Encoding", "chunked");
        try {
            out.write(head(status));
            out.flush();
        } catch (IOException e) {
            gone = true;
            throw e;
        }
    }

    /** One part of a streamed response, flushed at once. A failed write marks the client as gone. */
    public void write(byte[] part) throws IOException {
        if (!streaming || streamEnded) throw new IllegalStateException("no stream is open");
        if (part.length == 0) return;
        try {
            if (close && version.equals("HTTP/1.0")) out.write(part);
            else {
                out.write((Integer.toHexString(part.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(part);
                out.write(CRLF);
            }
            out.flush();
        } catch (IOException e) {
            gone = true;
            throw e;
        }
    }

    public void endStream() throws IOException {
        if (!streaming || streamEnded) return;
        streamEnded = true;
        try {
            if (!version.equals("HTTP/1.0")) out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            gone = true;
            throw e;
        }
    }

    /**
     * True once the client has closed or reset the connection, or a write to it failed. Cheap enough to ask between
     * decode steps (a read with a 1 ms timeout when nothing is buffered); bytes the client sent meanwhile are kept.
     */
    public boolean clientGone() {
        if (gone) return true;
        if (!bodyDone) return false; // an unread body sits in the way; the write path will tell
        return gone = in.peerClosed();
    }

    /** Ends the exchange; returns whether the connection may serve another request. */
    boolean finish() throws IOException {
        if (!sent) send(500, "application/json", "{\"error\":{\"message\":\"no response\",\"type\":\"server_error\",\"param\":null,\"code\":null}}".getBytes(StandardCharsets.UTF_8));
        if (streaming) endStream();
        if (gone || close) return false;
        if (!bodyDone) { // the handler did not read the body: skip it if it is small, else close
            if (chunked || bodyLeft > 64 << 10) return false;
            try {
                readFixed((int) bodyLeft, System.nanoTime() + limits.bodyTimeout().toNanos());
            } catch (IOException e) {
                return false;
            }
            bodyDone = true;
        }
        return true;
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private byte[] head(int status) {
        var sb = new StringBuilder(256);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        if (close) responseHeaders.put("Connection", "close");
        for (var e : responseHeaders.entrySet()) sb.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Asks for the connection to close after this response. */
    void closeAfter() {
        close = true;
    }

    boolean sent() {
        return sent;
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status " + status;
        };
    }

    String remote() {
        return String.valueOf(socket.getRemoteSocketAddress());
    }
}
