package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.log.Record;
import dev.sluice.operators.Applied;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The lineage index of one view version: for each input event that changed something, the keys of
 * the rows it changed (a view) or the events it derived (a derived stream). Entries are written in
 * the same batch as the rows and input positions, so the index says exactly what the committed
 * state reflects, and a replay after a crash rewrites the same entries.
 *
 * <pre>
 *   0x05 source 0x00 input id            → {"at_ms":…, "keys":[key, …], "more":N} (keys as JSON values)
 *                                           or {"at_ms":…, "events":[{"id","partition","offset"}]}
 *   0x06 commit time:i8 sequence:i8      → the 0x05 keys written by that commit, each length:i4 bytes
 * </pre>
 *
 * <p>Bounded like the log's dedup index: entries older than {@link #RETENTION} are removed, a few
 * commits' worth at a time, using the 0x06 keys (in time order) to find them.
 */
final class Lineage {
  static final byte ENTRY = 5;
  static final byte EXPIRY = 6;
  /** The log's default dedup window: lineage is kept as long as an id is known to the log. */
  static final Duration RETENTION = Duration.ofDays(7);
  /** Keys recorded per input; a join fanning one table change out to more rows counts the rest. */
  static final int KEYS_MAX = 100;
  /** How often old entries are looked for; each look is one seek. */
  private static final long EXPIRE_EVERY_MS = 60_000;
  /** Commits' worth of entries removed per expiry: keeps any one commit small. */
  private static final int EXPIRED_COMMITS_MAX = 100;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What one input did in this commit: its changed keys' JSON (raw), or its derived events' JSON. */
  private static final class Entry {
    final StringBuilder items = new StringBuilder();
    int count;
    long more;
    boolean derived;
  }

  private final Map<ByteBuffer, Entry> pending = new LinkedHashMap<>();
  /** The bytes the commit's 0x06 value needs for the pending keys: kept as they come, not summed at the end. */
  private int pendingKeyBytes;
  private long sequence = System.nanoTime();
  private long expiredMs;

  /** The keys whose rows {@code input} changed. */
  void changed(String source, Record input, Applied applied) {
    if (applied.changes().isEmpty()) {
      return;
    }
    Entry entry = entry(source, input.id());
    for (ViewChange change : applied.changes()) {
      if (entry.count < KEYS_MAX) {
        // A key's text is JSON already: it goes into the array as it is, no escaping.
        append(entry, change.key().toString());
      } else {
        entry.more++;
      }
    }
  }

  /** An event {@code input} derived. */
  void derived(String source, String inputId, String id, dev.sluice.log.Position position) {
    Entry entry = entry(source, inputId);
    entry.derived = true;
    ObjectNode event = JSON.createObjectNode().put("id", id).put("partition", position.partition()).put("offset", position.offset());
    append(entry, event.toString());
  }

  private static void append(Entry entry, String json) {
    if (entry.count++ > 0) {
      entry.items.append(',');
    }
    entry.items.append(json);
  }

  private Entry entry(String source, String id) {
    return pending.computeIfAbsent(ByteBuffer.wrap(key(source, id)), k -> {
      pendingKeyBytes += 4 + k.remaining();
      return new Entry();
    });
  }

  /** Puts the pending entries into the commit's batch, and removes expired ones when it is time. */
  void write(Batch batch, long nowMs) {
    if (!pending.isEmpty()) {
      ByteBuffer written = ByteBuffer.allocate(pendingKeyBytes);
      byte[] atMs = ("{\"at_ms\":" + nowMs + ",\"").getBytes(StandardCharsets.US_ASCII);
      for (Map.Entry<ByteBuffer, Entry> e : pending.entrySet()) {
        byte[] key = e.getKey().array();
        batch.put(key, value(atMs, e.getValue()));
        written.putInt(key.length).put(key);
      }
      batch.put(ByteBuffer.allocate(17).put(EXPIRY).putLong(nowMs).putLong(sequence++).array(), written.array());
      pending.clear();
      pendingKeyBytes = 0;
    }
    if (nowMs - expiredMs >= EXPIRE_EVERY_MS) {
      expiredMs = nowMs;
      expire(batch, nowMs - RETENTION.toMillis());
    }
  }

  /** {@code {"at_ms":…,"keys":[…],"more":N}}, with {@code atMs} its shared beginning up to the second name's quote. */
  private static byte[] value(byte[] atMs, Entry entry) {
    String rest = (entry.derived ? "events\":[" : "keys\":[") + entry.items + "]" + (entry.more > 0 ? ",\"more\":" + entry.more : "") + "}";
    byte[] tail = rest.getBytes(StandardCharsets.UTF_8);
    byte[] value = java.util.Arrays.copyOf(atMs, atMs.length + tail.length);
    System.arraycopy(tail, 0, value, atMs.length, tail.length);
    return value;
  }

  /** Forgets what was pending: the commit it was for failed. */
  void forget() {
    pending.clear();
    pendingKeyBytes = 0;
  }

  private static void expire(Batch batch, long horizonMs) {
    List<byte[][]> expired = new ArrayList<>();
    batch.scan(new byte[] {EXPIRY}, (key, value) -> {
      if (ByteBuffer.wrap(key, 1, 8).getLong() >= horizonMs || expired.size() >= EXPIRED_COMMITS_MAX) {
        return false;
      }
      expired.add(new byte[][] {key, value});
      return true;
    });
    // Deleted after the scan: the batch is not changed under its own iterator.
    for (byte[][] commit : expired) {
      ByteBuffer keys = ByteBuffer.wrap(commit[1]);
      while (keys.hasRemaining()) {
        byte[] entry = new byte[keys.getInt()];
        keys.get(entry);
        batch.delete(entry);
      }
      batch.delete(commit[0]);
    }
  }

  /** What the committed state records for the input event {@code id} of {@code source}. */
  static Optional<JsonNode> read(Space space, String source, String id) {
    byte[] value = space.get(key(source, id));
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readTree(value));
    } catch (IOException e) {
      throw new IllegalStateException("a lineage entry of " + space.name() + " is unreadable: " + e.getMessage(), e);
    }
  }

  static byte[] key(String source, String id) {
    byte[] s = source.getBytes(StandardCharsets.UTF_8);
    byte[] i = id.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + s.length + 1 + i.length).put(ENTRY).put(s).put((byte) 0).put(i).array();
  }
}
