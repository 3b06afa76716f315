package dev.deliberate.align.io;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The output file of a resumable job: records are appended one whole line at a time and synced, each carrying a
 * unique key; reopening the file after a kill drops a torn last line (the record being written when the process
 * died) and reports which keys are already done, so a rerun continues with no duplicated and no lost records.
 * A malformed line anywhere but at the torn tail is corruption and stops the job with its line number.
 */
public final class JsonlAppender implements Closeable {
    private static final System.Logger LOG = System.getLogger(JsonlAppender.class.getName());

    private final Path file;
    private final String keyPointer;
    private final Set<String> keys = new HashSet<>();
    private final FileChannel channel;
    private int droppedTornBytes;

    /**
     * @param keyPointer JSON pointer to each record's unique key, e.g. {@code /meta/key}
     */
    public static JsonlAppender open(Path file, String keyPointer) {
        return new JsonlAppender(file, keyPointer);
    }

    private JsonlAppender(Path file, String keyPointer) {
        this.file = file;
        this.keyPointer = keyPointer;
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            if (Files.exists(file)) recover();
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + " for appending: " + e.getMessage(), e);
        }
    }

    private void recover() throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') end--;
        if (end < bytes.length) {
            droppedTornBytes = bytes.length - end;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(end);
                ch.force(true);
            }
            LOG.log(System.Logger.Level.WARNING, "{0}: dropped an unfinished last record ({1} bytes) left by an interrupted run", file, droppedTornBytes);
        }
        String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        int line = 0;
        for (String l : text.split("\n", -1)) {
            line++;
            if (l.isBlank()) continue;
            JsonNode node = Jsonl.parse(file, line, l);
            String key = keyOf(node);
            if (key == null) throw new Jsonl.FormatException(file, line, "record has no key at " + keyPointer);
            if (!keys.add(key)) throw new Jsonl.FormatException(file, line, "duplicate key '" + key + "'");
        }
    }

    private String keyOf(JsonNode node) {
        JsonNode k = node.at(keyPointer);
        return k.isMissingNode() || k.isNull() ? null : k.asText();
    }

    public Path file() {
        return file;
    }

    /** Whether a record with this key is already in the file. */
    public synchronized boolean contains(String key) {
        return keys.contains(key);
    }

    /** Records in the file. */
    public synchronized int size() {
        return keys.size();
    }

    /** Bytes of a torn last record dropped when the file was reopened (0 if it was clean). */
    public int droppedTornBytes() {
        return droppedTornBytes;
    }

    /** Appends one record as a single line and syncs it to disk; a second record with the same key is refused. */
    public synchronized void append(Object record) {
        JsonNode node = Jsonl.MAPPER.valueToTree(record);
        String key = keyOf(node);
        if (key == null) throw new IllegalArgumentException("record has no key at " + keyPointer + ": " + Jsonl.line(node));
        if (keys.contains(key)) throw new IllegalStateException(file + " already has a record with key '" + key + "'");
        ByteBuffer buf = ByteBuffer.wrap((Jsonl.line(node) + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            while (buf.hasRemaining()) channel.write(buf);
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
        keys.add(key);
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
