package dev.sluice.engine;

import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.operators.Applied;
import dev.sluice.operators.Row;
import dev.sluice.operators.ViewChange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The output of {@code CREATE STREAM name AS …}: each new row the pipeline produces becomes an event
 * of the derived stream. A stream only grows, so rows the pipeline later changes or retracts are not
 * taken back; the derived stream records what was derived when its input arrived.
 *
 * <p>Each event's id is the input's stream and id and a digest of the output row's key — the same on
 * every replay — so reprocessing after a crash appends nothing twice: the log deduplicates it.
 */
final class DerivedEvents {
  private static final long APPEND_WAIT_S = 60;
  private static final int DIGEST_HEX_CHARS = 16;
  private static final int ID_BASE_BYTES_MAX = Event.ID_BYTES_MAX - DIGEST_HEX_CHARS - 1;

  private final EventLog log;
  private final String stream;
  private final String keyField;
  private final List<Event> pending = new ArrayList<>();
  /** For each pending event, the input that caused it. */
  private final List<Origin> origins = new ArrayList<>();

  private record Origin(String source, int partition, long offset) {}

  /** A derived event as appended, and the input it came from: what the lineage index records. */
  record Derived(String source, int inputPartition, long inputOffset, String id, Position position) {}

  DerivedEvents(EventLog log, String stream) {
    this.log = log;
    this.stream = stream;
    // A stream's declaration never changes: look its key up once, not per derived event.
    this.keyField = log.stream(stream)
        .orElseThrow(() -> new IllegalStateException("derived stream '" + stream + "' is not in the log"))
        .keyField();
  }

  void add(String source, Record input, Applied applied) {
    for (Event event : derive(source, input, applied, keyField)) {
      pending.add(event);
      origins.add(new Origin(source, input.partition(), input.offset()));
    }
  }

  /**
   * The events one input derives: one per row the pipeline newly inserted (rows it changes or
   * retracts are not taken back), keyed by the stream's key field if the row has it, else by the
   * input's key. The same input and changes give the same events, ids included, on every run:
   * {@code sluice verify} derives them again from the log with this.
   *
   * @param keyField the derived stream's declared key field, or null
   */
  static List<Event> derive(String source, Record input, Applied applied, String keyField) {
    List<Event> events = new ArrayList<>();
    for (ViewChange change : applied.changes()) {
      if (change.oldRow() != null || change.newRow() == null) {
        continue;
      }
      Row row = change.newRow();
      String key = input.key();
      if (keyField != null) {
        Object value = row.get(keyField);
        if (value != null) {
          key = value instanceof String s ? s : dev.sluice.operators.internal.JsonValues.text(value);
        }
      }
      // The input's stream is part of the id (ids are unique per stream only); ids are at most 128
      // bytes, so a long one is replaced by its digest.
      String origin = source + "/" + input.id();
      String base = origin.getBytes(StandardCharsets.UTF_8).length <= ID_BASE_BYTES_MAX
          ? origin : source.charAt(0) + "#" + digest(origin.getBytes(StandardCharsets.UTF_8));
      String id = base + "/" + digest(change.key().bytes());
      events.add(new Event(key, id, input.timeMs(), List.of(input.id()), false, row.toJson()));
    }
    return events;
  }

  /**
   * Appends what was added and waits until it is durable; returns the events these inputs derive.
   * A replay after a crash derives events the log already holds (it answers them as duplicates, at
   * their first position): they count, because the state that counted them was lost with them.
   */
  List<Derived> flush() {
    if (pending.isEmpty()) {
      return List.of();
    }
    try {
      List<Position> positions = log.append(stream, List.copyOf(pending)).get(APPEND_WAIT_S, TimeUnit.SECONDS).positions();
      List<Derived> out = new ArrayList<>(positions.size());
      for (int i = 0; i < positions.size(); i++) {
        Origin origin = origins.get(i);
        out.add(new Derived(origin.source(), origin.partition(), origin.offset(), pending.get(i).id(), positions.get(i)));
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while appending to '" + stream + "'");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof LogException le ? le : new IllegalStateException(cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("appending to derived stream '" + stream + "' took over " + APPEND_WAIT_S + " s");
    } finally {
      pending.clear();
      origins.clear();
    }
  }

  private static String digest(byte[] bytes) {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(sha).substring(0, DIGEST_HEX_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
