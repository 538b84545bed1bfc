package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.log.Record;
import dev.sluice.operators.Applied;
import dev.sluice.operators.InPlace;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.ViewChange;
import dev.sluice.operators.internal.ByteSink;
import dev.sluice.operators.internal.ByteSource;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The lineage index of one view version: for each input event that changed something, the keys of
 * the rows it changed (a view) or the events it derived (a derived stream). It is stored per commit
 * and input partition, not per event: one entry holds, for a run of the partition's offsets the
 * commit read, each changing input's offset and what it changed, so a commit of a hundred thousand
 * events adds a handful of keys. Entries are written in the same batch as the rows and input
 * positions, so the index says exactly what the committed state reflects, and a replay after a
 * crash rewrites the same entries.
 *
 * <pre>
 *   0x0A source 0x00 partition:i4 first:i8 → at_ms:i8, then per input from offset {@code first} on:
 *                                              offset:varlong kind (0 keys, 1 events) count:varlong
 *                                              more:varlong, then each key as length:varlong bytes, or
 *                                              each event as id length:varlong id partition:varlong offset:varlong;
 *                                              or, an input that changed one key (kind 2):
 *                                              step:varlong 2 length:varlong bytes, its offset the
 *                                              entry's input before it plus step (the first: step)
 *   0x06 commit time:i8 sequence:i8         → the 0x0A (and older 0x05) keys written by that commit,
 *                                              each length:i4 bytes
 *   0x05 source 0x00 input id               → no longer written: an entry per input event, as JSON;
 *                                              read while it lasts, removed by expiry like the rest
 * </pre>
 *
 * <p>An input is found by its position: the entry of its partition with the greatest {@code first}
 * at or below its offset holds it, if it changed anything. Bounded like the log's dedup index:
 * entries older than {@link #RETENTION} are removed, a few commits' worth at a time, using the 0x06
 * keys (in time order) to find them.
 */
final class Lineage {
  static final byte ENTRY = 5;
  static final byte EXPIRY = 6;
  static final byte RANGE = 10;
  /** The log's default dedup window: lineage is kept as long as an id is known to the log. */
  static final Duration RETENTION = Duration.ofDays(7);
  /** Keys recorded per input; a join fanning one table change out to more rows counts the rest. */
  static final int KEYS_MAX = 100;
  /** Inputs per stored entry: bounds what a look-up reads. */
  static final int INPUTS_PER_ENTRY = 4096;
  /** How often old entries are looked for; each look is one seek. */
  private static final long EXPIRE_EVERY_MS = 60_000;
  /** Commits' worth of entries removed per expiry: keeps any one commit small. */
  private static final int EXPIRED_COMMITS_MAX = 100;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte KEYS = 0;
  private static final byte EVENTS = 1;
  /**
   * An input that changed one key, its offset a step from the input before it in the entry: most
   * inputs of a view (every one of an aggregate's), in five bytes fewer than kind 0 takes (a step
   * is a byte where an offset takes up to four, and there is no count): 40 MB less in a backfill's
   * commit of 8,000,000 such inputs.
   */
  private static final byte ONE_KEY = 2;

  /** Bytes a run's sink starts with when no run of its partition came before it in the commit. */
  private static final int RUN_BYTES_FIRST = 1024;

  /**
   * One entry being built: a partition's inputs from {@code first} on. Its sink starts with the
   * eight bytes of the entry's time, filled in at the write, so the sink's bytes are the value.
   */
  private static final class Run {
    final byte[] key;
    final ByteSink sink;
    int inputs;
    /** The offset of the entry's last input; 0 before the first ({@link #ONE_KEY}'s steps start there). */
    long last;

    /** {@code bytes}: what the sink starts with; a backfill's runs are as large as the one before. */
    Run(String source, int partition, long first, int bytes) {
      this.key = rangeKey(source, partition, first);
      this.sink = new ByteSink(bytes).putLong(0);
    }
  }

  /** The entry being built per source and partition ({@code source 0x00 partition}). */
  private final Map<String, Run> open = new HashMap<>();
  private final List<Run> done = new ArrayList<>();
  /** The run the last input went to, and its source and partition. */
  private Run lastRun;
  private String lastSource;
  private int lastPartition;
  /** Derived events by input, in the order derived: {source, partition, offset} → events. */
  private final Map<List<Object>, List<Object[]>> derived = new LinkedHashMap<>();
  private long sequence = System.nanoTime();
  private long expiredMs;

  /** The keys whose rows {@code input} changed (or touched, when their changes were held back to the commit). */
  void changed(String source, Record input, Applied applied) {
    List<ViewChange> changes = applied.changes();
    List<RowKey> held = applied.held();
    int total = changes.size() + held.size();
    if (total == 0) {
      return;
    }
    Run run = run(source, input.partition(), input.offset());
    if (total == 1) {
      byte[] key = changes.isEmpty() ? held.getFirst().bytes() : changes.getFirst().key().bytes();
      putOneKey(run, input.offset(), key, 0, key.length);
      return;
    }
    int count = Math.min(total, KEYS_MAX);
    run.sink.putVarLong(input.offset()).put(KEYS).putVarLong(count).putVarLong(total - count);
    for (int i = 0; i < count; i++) {
      byte[] key = i < changes.size() ? changes.get(i).key().bytes() : held.get(i - changes.size()).bytes();
      run.sink.putVarLong(key.length).put(key);
    }
    run.last = input.offset();
  }

  /** The one key whose change the input at {@code partition}/{@code offset} held back. */
  void touched(String source, int partition, long offset, RowKey key) {
    byte[] bytes = key.bytes();
    touched(source, partition, offset, bytes, 0, bytes.length);
  }

  /** {@link #touched(String, int, long, RowKey)} with the key's encoding, {@code key[from, from + length)}. */
  void touched(String source, int partition, long offset, byte[] key, int from, int length) {
    putOneKey(run(source, partition, offset), offset, key, from, length);
  }

  /** An input at {@code offset} that touched the one key {@code key[from, from + length)}, into its entry. */
  private static void putOneKey(Run run, long offset, byte[] key, int from, int length) {
    putOneKeyAfterStep(run.sink.putVarLong(offset - run.last), key, from, length);
    run.last = offset;
  }

  /** {@link #ONE_KEY} after its step (the offset's distance from the input before it in the entry). */
  private static void putOneKeyAfterStep(ByteSink sink, byte[] key, int from, int length) {
    sink.put(ONE_KEY).putVarLong(length).put(key, from, length);
  }

  /**
   * The lineage of one read's inputs that each touched one key, encoded as entries hold it before
   * the read is applied: on the thread that read it ({@link InPlace.Ahead#touching}), so that the
   * view's thread only copies the bytes into its entries ({@link #touched(String, int, Encoded)}).
   */
  static final class Encoded implements InPlace.Touched {
    private final ByteSink sink = new ByteSink(16 * 1024);
    private long[] offsets = new long[1024];
    /** Where each input's bytes end in {@link #sink}. */
    private int[] ends = new int[1024];
    /** Where each input's bytes after its step start in {@link #sink}: its step is from the input before it in the read. */
    private int[] afterSteps = new int[1024];
    private int count;

    /** Encodes what {@code read} will touch, in place of what this held. */
    Encoded of(InPlace.Ahead read) {
      sink.clear();
      count = 0;
      read.touching(this);
      return this;
    }

    @Override
    public void touched(int partition, long offset, byte[] key, int from, int length) {
      if (count == offsets.length) {
        offsets = Arrays.copyOf(offsets, count * 2);
        ends = Arrays.copyOf(ends, count * 2);
        afterSteps = Arrays.copyOf(afterSteps, count * 2);
      }
      sink.putVarLong(offset - (count == 0 ? 0 : offsets[count - 1]));
      afterSteps[count] = sink.size();
      putOneKeyAfterStep(sink, key, from, length);
      offsets[count] = offset;
      ends[count++] = sink.size();
    }
  }

  /**
   * {@link #touched(String, int, long, byte[], int, int)} for each input of {@code encoded}, in its
   * order, into the same entries: the bytes of the inputs an entry takes are copied at once.
   */
  void touched(String source, int partition, Encoded encoded) {
    int i = 0;
    while (i < encoded.count) {
      Run run = run(source, partition, encoded.offsets[i]); // counts input i
      int n = Math.min(encoded.count - i, INPUTS_PER_ENTRY - run.inputs + 1);
      run.inputs += n - 1;
      // The first input's step is from the entry's last input, not the read's; the ones after it
      // follow the read's inputs before them, as in the entry.
      run.sink.putVarLong(encoded.offsets[i] - run.last);
      run.sink.put(encoded.sink, encoded.afterSteps[i], encoded.ends[i + n - 1]);
      run.last = encoded.offsets[i + n - 1];
      i += n;
    }
  }

  /** An event the input at {@code partition}/{@code offset} of {@code source} derived. */
  void derived(String source, int partition, long offset, String id, dev.sluice.log.Position position) {
    derived.computeIfAbsent(List.of(source, partition, offset), k -> new ArrayList<>())
        .add(new Object[] {id, position.partition(), position.offset()});
  }

  private Run run(String source, int partition, long offset) {
    Run run;
    String name = null;
    if (lastRun != null && lastSource.equals(source) && lastPartition == partition) {
      run = lastRun; // inputs come in runs of one partition: no name to build per input
    } else {
      name = source + '\0' + partition;
      run = open.get(name);
    }
    if (run == null || run.inputs >= INPUTS_PER_ENTRY) {
      if (run != null) {
        done.add(run);
      }
      run = new Run(source, partition, offset, run == null ? RUN_BYTES_FIRST : run.sink.size());
      open.put(name != null ? name : source + '\0' + partition, run);
    }
    run.inputs++;
    lastSource = source;
    lastPartition = partition;
    lastRun = run;
    return run;
  }

  /** Puts the pending entries into the commit's batch, and removes expired ones when it is time. */
  void write(Batch batch, long nowMs) {
    derived.forEach((input, events) -> {
      Run run = run((String) input.get(0), (Integer) input.get(1), (Long) input.get(2));
      run.last = (Long) input.get(2);
      ByteSink sink = run.sink;
      sink.putVarLong((Long) input.get(2)).put(EVENTS).putVarLong(events.size()).putVarLong(0);
      for (Object[] event : events) {
        byte[] id = ((String) event[0]).getBytes(StandardCharsets.UTF_8);
        sink.putVarLong(id.length).put(id).putVarLong((Integer) event[1]).putVarLong((Long) event[2]);
      }
    });
    done.addAll(open.values());
    if (!done.isEmpty()) {
      int keyBytes = 0;
      for (Run run : done) {
        keyBytes += 4 + run.key.length;
      }
      ByteBuffer written = ByteBuffer.allocate(keyBytes);
      for (Run run : done) {
        batch.put(run.key, run.sink.putLongAt(0, nowMs).toByteArray());
        written.putInt(run.key.length).put(run.key);
      }
      batch.put(ByteBuffer.allocate(17).put(EXPIRY).putLong(nowMs).putLong(sequence++).array(), written.array());
    }
    forget();
    if (nowMs - expiredMs >= EXPIRE_EVERY_MS) {
      expiredMs = nowMs;
      expire(batch, nowMs - RETENTION.toMillis());
    }
  }

  /** Forgets what was pending: the commit it was for failed (or it was written). */
  void forget() {
    lastRun = null;
    open.clear();
    done.clear();
    derived.clear();
  }

  private static void expire(Batch batch, long horizonMs) {
    List<byte[][]> expired = new ArrayList<>();
    // The commit's own expiry entry is not old: the committed ones are all there is to look at.
    batch.scanCommitted(new byte[] {EXPIRY}, (key, value) -> {
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

  /**
   * What the committed state records for the input event at {@code partition}/{@code offset} of
   * {@code source}, whose id is {@code id}: {@code {"at_ms":…,"keys":[key, …],"more":N}} (keys as
   * JSON values) or {@code {"at_ms":…,"events":[{"id","partition","offset"}]}}; empty when the
   * event changed nothing (or its entry expired).
   */
  static Optional<JsonNode> read(Space space, String source, int partition, long offset, String id) {
    byte[] lowest = rangeKey(source, partition, 0);
    byte[] at = rangeKey(source, partition, offset);
    JsonNode[] found = {null};
    space.scanFromFloor(at, lowest, rangeKey(source, partition, offset + 1), (key, value) -> {
      if (Arrays.compareUnsigned(key, lowest) >= 0) {
        found[0] = find(value, offset);
      }
      return false;
    });
    if (found[0] != null) {
      return Optional.of(found[0]);
    }
    byte[] old = space.get(key(source, id));
    if (old == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readTree(old));
    } catch (IOException e) {
      throw new IllegalStateException("a lineage entry of " + space.name() + " is unreadable: " + e.getMessage(), e);
    }
  }

  /** The input at {@code offset} in one stored entry, as JSON; null when it is not there. */
  private static JsonNode find(byte[] value, long offset) {
    ByteSource in = new ByteSource(value, 0);
    long atMs = in.getLong();
    long last = 0;
    while (in.hasMore()) {
      long step = in.getVarLong();
      int kind = in.get();
      long at = kind == ONE_KEY ? last + step : step;
      last = at;
      int count = kind == ONE_KEY ? 1 : (int) in.getVarLong();
      long more = kind == ONE_KEY ? 0 : in.getVarLong();
      ObjectNode node = at == offset ? JSON.createObjectNode().put("at_ms", atMs) : null;
      ArrayNode items = node == null ? null : node.putArray(kind == EVENTS ? "events" : "keys");
      for (int i = 0; i < count; i++) {
        byte[] bytes = in.getBytes((int) in.getVarLong());
        if (kind == EVENTS) {
          int p = (int) in.getVarLong();
          long o = in.getVarLong();
          if (items != null) {
            items.addObject().put("id", new String(bytes, StandardCharsets.UTF_8)).put("partition", p).put("offset", o);
          }
        } else if (items != null) {
          try {
            items.add(JSON.readTree(RowKey.fromBytes(bytes).toString()));
          } catch (IOException e) {
            throw new IllegalStateException("a lineage key is unreadable: " + e.getMessage(), e);
          }
        }
      }
      if (node != null) {
        if (more > 0) {
          node.put("more", more);
        }
        return node;
      }
    }
    return null;
  }

  static byte[] rangeKey(String source, int partition, long first) {
    byte[] s = source.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + s.length + 1 + 4 + 8).put(RANGE).put(s).put((byte) 0).putInt(partition).putLong(first).array();
  }

  /** The key of an input's entry as it was stored before entries were kept per commit. */
  static byte[] key(String source, String id) {
    byte[] s = source.getBytes(StandardCharsets.UTF_8);
    byte[] i = id.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + s.length + 1 + i.length).put(ENTRY).put(s).put((byte) 0).put(i).array();
  }
}
