package dev.deliberate.align.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Completions on disk (SQLite), one row per (request key, sample index), so that rerunning a pipeline costs no
 * calls and gives the same data. The key hashes the model id, the messages and every sampling parameter but
 * {@code n}: a later request for more samples reuses the first ones. The first writer of a row wins
 * ({@code INSERT OR IGNORE}) and every reader gets that row, so racing threads or processes never leave two
 * versions of a sample. WAL mode lets readers and one writer proceed together; a busy timeout plus retries
 * rides out another process holding the write lock.
 */
public final class ResponseCache implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ResponseCache.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BUSY_RETRIES = 20;

    private final Path file;
    private final Connection db;

    private ResponseCache(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    public static ResponseCache open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder for the response cache " + file + ": " + e.getMessage(), e);
        }
        try {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 10000"); // first, so that the next statements wait for other processes
            }
            var cache = new ResponseCache(file, c);
            cache.retrying(() -> {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA journal_mode = WAL");
                    s.execute("PRAGMA synchronous = NORMAL");
                    s.execute("""
                            CREATE TABLE IF NOT EXISTS completions (
                              key TEXT NOT NULL, sample INTEGER NOT NULL, model TEXT NOT NULL,
                              reasoning TEXT NOT NULL, answer TEXT NOT NULL, finish_reason TEXT NOT NULL,
                              prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
                              created_ms INTEGER NOT NULL,
                              PRIMARY KEY (key, sample)) WITHOUT ROWID""");
                }
                return null;
            });
            return cache;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the response cache " + file + ": " + e.getMessage()
                    + " (delete the file to start afresh, or run with --no-cache)", e);
        }
    }

    public Path file() {
        return file;
    }

    /** The hash that names a request: model id, messages, and all sampling parameters except {@code n}. */
    public static String key(String modelId, List<Message> messages, SamplingParams p) {
        ObjectNode k = JSON.createObjectNode();
        k.put("v", 1);
        k.put("model", modelId);
        var msgs = k.putArray("messages");
        for (Message m : messages) msgs.addArray().add(m.role().wire()).add(m.content());
        k.put("temperature", p.temperature());
        k.put("top_p", p.topP());
        k.put("max_tokens", p.maxTokens());
        var stop = k.putArray("stop");
        p.stop().forEach(stop::add);
        if (p.seed() == null) k.putNull("seed");
        else k.put("seed", p.seed());
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(k.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cached samples among {@code 0..n-1}, by index. */
    public synchronized Map<Integer, Completion> get(String key, int n) {
        return retrying(() -> {
            var out = new TreeMap<Integer, Completion>();
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT sample, reasoning, answer, finish_reason, prompt_tokens, completion_tokens, reasoning_tokens FROM completions WHERE key = ? AND sample < ?")) {
                ps.setString(1, key);
                ps.setInt(2, n);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.put(rs.getInt(1), row(rs));
                }
            }
            return out;
        });
    }

    /** Stores a sample unless one is already there, and returns the stored one (ours, or an earlier writer's). */
    public synchronized Completion putIfAbsent(String key, int sample, String modelId, Completion c) {
        return retrying(() -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, key);
                ps.setInt(2, sample);
                ps.setString(3, modelId);
                ps.setString(4, c.reasoning());
                ps.setString(5, c.answer());
                ps.setString(6, c.finishReason().wire());
                ps.setInt(7, c.usage().promptTokens());
                ps.setInt(8, c.usage().completionTokens());
                ps.setInt(9, c.usage().reasoningTokens());
                ps.setLong(10, System.currentTimeMillis());
                if (ps.executeUpdate() == 1) return c;
            }
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT sample, reasoning, answer, finish_reason, prompt_tokens, completion_tokens, reasoning_tokens FROM completions WHERE key = ? AND sample = ?")) {
                ps.setString(1, key);
                ps.setInt(2, sample);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) throw new SQLException("row vanished after INSERT OR IGNORE: " + key + "/" + sample);
                    return row(rs);
                }
            }
        });
    }

    /** Number of stored samples. */
    public synchronized long size() {
        return retrying(() -> {
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM completions")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static Completion row(ResultSet rs) throws SQLException {
        return new Completion(rs.getString(2), rs.getString(3), rs.getString(4),
                new Completion.Usage(rs.getInt(5), rs.getInt(6), rs.getInt(7)));
    }

    private interface Sql<T> {
        T run() throws SQLException;
    }

    /** Runs a statement, waiting out another writer's lock beyond what busy_timeout already absorbed. */
    private <T> T retrying(Sql<T> sql) {
        for (int attempt = 0; ; attempt++) {
            try {
                return sql.run();
            } catch (SQLException e) {
                int primary = e.getErrorCode() & 0xff; // SQLITE_BUSY = 5, SQLITE_LOCKED = 6, extended codes keep these low bits
                if ((primary != 5 && primary != 6) || attempt >= BUSY_RETRIES)
                    throw new IllegalStateException("response cache " + file + ": " + e.getMessage(), e);
                LOG.log(System.Logger.Level.DEBUG, "response cache busy, retry {0}", attempt + 1);
                try {
                    Thread.sleep(10L + java.util.concurrent.ThreadLocalRandom.current().nextLong(10L << Math.min(attempt, 6)));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the response cache " + file, ie);
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the response cache " + file + ": " + e.getMessage());
        }
    }
}
