package dev.sluice.constraints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The single processor of one claims partition: it reads claims in log order and decides each —
 * the first claim of a value wins, later ones are rejected — then appends the accepted events to
 * the constrained stream, a decision event per claim, and releases for other partitions, and only
 * then commits what it holds with its position. A crash in between replays the same claims against
 * the same state, so it makes the same decisions under the same ids, which the log deduplicates:
 * each claim is decided exactly once.
 *
 * <pre>
 *   0x01 p:i4                       → next claims offset to decide (i8)
 *   0x02 p:i4 value                 → the row key (table) or claim id (stream) holding the value
 *   0x03 p:i4 row key 0x00 value    → (tables) the row holds the value: what a release looks up
 *   0x04 p:i4 offset:i8             → the outcome of the claim at that offset, for ?wait=outcome,
 *                                     with the time it was decided ("decided_ms")
 * </pre>
 *
 * <p>Outcomes are kept for {@link #OUTCOME_RETENTION_MS} after their decision, as long as the log
 * remembers the claim's id: a retry after that is a new claim, and cannot ask for the old outcome.
 * Each commit deletes the oldest expired ones (the decision events stay in the log).
 */
final class ClaimsProcessor implements Runnable {
  static final byte POSITION = 1;
  static final byte HOLD = 2;
  static final byte ROW = 3;
  static final byte OUTCOME = 4;
  /** Claims decided per commit: bounds the batch and the appends it waits for. */
  private static final int CLAIMS_PER_COMMIT_MAX = 500;
  private static final long APPEND_WAIT_S = 60;
  private static final long IDLE_WAIT_MS = 200;
  /** How long an outcome is kept after its decision: the log's dedup window for ids (7 days). */
  static final long OUTCOME_RETENTION_MS = TimeUnit.DAYS.toMillis(7);
  /** Expired outcomes deleted per commit at most: bounds the batch. */
  private static final int OUTCOMES_EXPIRED_PER_COMMIT_MAX = 1_000;
  static final String DECIDED_MS = "decided_ms";

  private final Constraint constraint;
  private final int partition;
  private final EventLog log;
  private final Space space;
  private final Thread thread;
  private final Object progressed = new Object();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean running = true;
  private volatile long next;
  volatile String error;

  private final long outcomeRetentionMs;
  /** Outcomes before this offset are expired already: the next expiry scan starts here. */
  private long expiredFrom;
  /**
   * On a cluster: the fenced writer of this partition's effects, in one transaction per chunk
   * (null on one instance alone, which appends through the log and keeps outcomes itself).
   */
  private final SharedConstraints.Writer writer;
  /** On a cluster: the last claim an earlier owner decided; claims up to it are replayed without writing. */
  private long decidedThrough = -1;
  /** Set when a newer owner fenced this processor's writer: it stopped, and must not be restarted here. */
  volatile boolean fenced;

  ClaimsProcessor(Constraint constraint, int partition, EventLog log, Space space, long outcomeRetentionMs) {
    this(constraint, partition, log, space, outcomeRetentionMs, null);
  }

  ClaimsProcessor(Constraint constraint, int partition, EventLog log, Space space, long outcomeRetentionMs,
      SharedConstraints.Writer writer) {
    this.writer = writer;
    this.outcomeRetentionMs = outcomeRetentionMs;
    this.constraint = constraint;
    this.partition = partition;
    this.log = log;
    this.space = space;
    byte[] stored = space.get(position(partition));
    this.next = stored == null ? 0 : ByteBuffer.wrap(stored).getLong();
    this.thread = new Thread(this, "sluice-constraint-" + constraint.name() + "-p" + partition);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void stop() {
    running = false;
    stopped.complete(null);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer != null) {
      writer.close();
    }
  }

  /** Whether the thread has ended (stopped, fenced or failed). */
  boolean ended() {
    return thread.getState() == Thread.State.TERMINATED;
  }

  @Override
  public void run() {
    try {
      if (writer != null) {
        decidedThrough = writer.open();
      }
      while (running) {
        List<Record> claims = log.read(constraint.claimsStream(), partition, next, CLAIMS_PER_COMMIT_MAX);
        if (claims.isEmpty()) {
          try {
            CompletableFuture.anyOf(stopped, log.awaitRecord(constraint.claimsStream(), partition, next))
                .get(IDLE_WAIT_MS, TimeUnit.MILLISECONDS);
          } catch (TimeoutException | ExecutionException idle) {
            // Nothing new: look again, and see whether to stop.
          }
          continue;
        }
        decide(claims);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (SharedConstraints.Fenced e) {
      fenced = true; // another instance owns the partition now: what it decides, it decides
    } catch (RuntimeException e) {
      if (running) {
        error = String.valueOf(e.getMessage());
        System.err.println("sluice: the claims processor of " + constraint.claimsStream() + " partition " + partition
            + " stopped: " + error);
      }
    }
    synchronized (progressed) {
      progressed.notifyAll();
    }
  }

  /** One decision, until its effects are appended. */
  private record Decided(Record claim, Claim what, String reason, int eventIndex) {}

  private void decide(List<Record> claims) {
    // Claims an earlier owner decided (their effects are in the log) are replayed into the state
    // only; the first claim past them starts a chunk of its own.
    boolean replay = writer != null && claims.get(0).offset() <= decidedThrough;
    int cut = 0;
    while (cut < claims.size() && (claims.get(cut).offset() <= decidedThrough) == replay) {
      cut++;
    }
    claims = claims.subList(0, cut);
    try (Batch batch = space.batch()) {
      List<Decided> decided = new ArrayList<>();
      List<Event> accepted = new ArrayList<>();
      List<Event> releases = new ArrayList<>();
      for (Record record : claims) {
        switch (Claim.read(record)) {
          case Claim.Release release -> releaseLocally(batch, release);
          case Claim claim -> {
            String reason = claim.delete() ? null : conflict(batch, claim, record);
            if (reason == null) {
              decided.add(new Decided(record, claim, null, accepted.size()));
              accepted.add(claim.accepted(claim.clientId() != null ? claim.clientId() : "claim/" + partition + "." + record.offset(),
                  record.timeMs()));
              if (constraint.table()) {
                String keep = claim.delete() ? null : claim.valueText();
                releaseLocally(batch, new Claim.Release(claim.rowKey(), keep));
                releaseElsewhere(new Claim.Release(claim.rowKey(), keep), record, releases);
                if (keep != null) {
                  batch.put(row(partition, claim.rowKey(), keep), new byte[0]);
                }
              }
              if (claim.valueText() != null) {
                batch.put(hold(partition, claim.valueText()), holder(claim, record).getBytes(StandardCharsets.UTF_8));
              }
            } else {
              decided.add(new Decided(record, claim, reason, -1));
            }
          }
          default -> throw new IllegalStateException("unknown claims record");
        }
      }
      long decidedMs = System.currentTimeMillis();
      if (writer == null) {
        List<Position> positions = append(constraint.stream(), accepted);
        List<Event> decisions = new ArrayList<>();
        for (Decided d : decided) {
          ObjectNode outcome = outcome(d, positions);
          batch.put(outcome(partition, d.claim().offset()), Claim.bytes(outcome.deepCopy().put(DECIDED_MS, decidedMs)));
          decisions.add(decision(d, outcome, d.eventIndex() < 0 ? null : accepted.get(d.eventIndex()).id()));
        }
        append(constraint.decisionsStream(), decisions);
        append(constraint.claimsStream(), releases);
      } else if (!replay && !(decided.isEmpty() && releases.isEmpty())) {
        // One transaction of this partition's writer: the accepted events, then the decisions that
        // name where they landed, then the releases. The outcomes are read from the log.
        writer.begin();
        List<Position> positions = accepted.isEmpty() ? List.of() : writer.append(constraint.stream(), accepted);
        List<Event> decisions = new ArrayList<>();
        for (Decided d : decided) {
          decisions.add(decision(d, outcome(d, positions), d.eventIndex() < 0 ? null : accepted.get(d.eventIndex()).id()));
        }
        if (!decisions.isEmpty()) {
          writer.append(constraint.decisionsStream(), decisions);
        }
        if (!releases.isEmpty()) {
          writer.append(constraint.claimsStream(), releases);
        }
        writer.commit();
      }
      long end = claims.get(claims.size() - 1).offset() + 1;
      batch.put(position(partition), ByteBuffer.allocate(8).putLong(end).array());
      long expiredUpTo = writer == null ? expireOutcomes(batch, decidedMs) : expiredFrom;
      batch.commit();
      expiredFrom = expiredUpTo;
      next = end;
    }
    synchronized (progressed) {
      progressed.notifyAll();
    }
  }

  private static ObjectNode outcome(Decided d, List<Position> positions) {
    Position at = d.eventIndex() < 0 ? null : positions.get(d.eventIndex());
    ObjectNode outcome = Claim.JSON.createObjectNode();
    outcome.put("outcome", at == null ? "rejected" : "accepted");
    if (at != null) {
      outcome.put("partition", at.partition()).put("offset", at.offset());
    } else {
      outcome.put("reason", d.reason());
    }
    return outcome;
  }

  /**
   * Deletes the oldest outcomes decided more than the retention before {@code nowMs}; returns the
   * offset the next scan starts from. Outcomes are in offset order, which is decision order, so the
   * scan stops at the first one still kept.
   */
  private long expireOutcomes(Batch batch, long nowMs) {
    long cutoffMs = nowMs - outcomeRetentionMs;
    long[] from = {expiredFrom};
    int[] deleted = {0};
    space.scan(outcome(partition, expiredFrom), outcome(partition, Long.MAX_VALUE), (key, value) -> {
      if (deleted[0] == OUTCOMES_EXPIRED_PER_COMMIT_MAX || Claim.parse(value).path(DECIDED_MS).asLong(0) > cutoffMs) {
        return false;
      }
      batch.delete(key);
      deleted[0]++;
      from[0] = ByteBuffer.wrap(key, 5, 8).getLong() + 1;
      return true;
    });
    return from[0];
  }

  /** Why the claim loses, or null if it wins: its value is free, or (a table) its own row's. */
  private String conflict(Batch batch, Claim claim, Record record) {
    if (claim.valueText() == null) {
      return null;
    }
    byte[] held = batch.get(hold(partition, claim.valueText()));
    if (held == null) {
      return null;
    }
    String holder = new String(held, StandardCharsets.UTF_8);
    if (constraint.table() && holder.equals(claim.rowKey())) {
      return null;
    }
    return constraint.name() + ": " + String.join(", ", constraint.fields()) + " = " + claim.valueText()
        + " is held by " + (constraint.table() ? "row '" + holder + "'" : "event '" + holder + "'");
  }

  /** Who holds a value: a table's row, or (a stream) the claiming event's id. */
  private String holder(Claim claim, Record record) {
    if (constraint.table()) {
      return claim.rowKey();
    }
    return claim.clientId() != null ? claim.clientId() : "claim/" + partition + "." + record.offset();
  }

  /** Frees the values this partition has for the row, but the one it keeps. */
  private void releaseLocally(Batch batch, Claim.Release release) {
    byte[] prefix = rowPrefix(partition, release.rowKey());
    List<byte[]> rows = new ArrayList<>();
    batch.scan(prefix, (key, value) -> {
      rows.add(key);
      return true;
    });
    for (byte[] key : rows) {
      String value = new String(key, prefix.length, key.length - prefix.length, StandardCharsets.UTF_8);
      if (value.equals(release.except())) {
        continue;
      }
      byte[] holdKey = hold(partition, value);
      byte[] held = batch.get(holdKey);
      if (held != null && new String(held, StandardCharsets.UTF_8).equals(release.rowKey())) {
        batch.delete(holdKey);
      }
      batch.delete(key);
    }
  }

  /** The other partitions may hold values of the row too: each gets a release, in its own log order. */
  private void releaseElsewhere(Claim.Release release, Record claim, List<Event> releases) {
    for (int q = 0; q < constraint.partitions(); q++) {
      if (q != partition) {
        releases.add(Claim.release(release, "release/" + partition + "." + claim.offset() + "/" + q, routingKey(q)));
      }
    }
  }

  /** A key the partitioner sends to partition {@code q}. */
  private String routingKey(int q) {
    for (int i = 0; ; i++) {
      String key = "partition-" + q + "-" + i;
      if (Partitioner.partition(key, constraint.partitions()) == q) {
        return key;
      }
    }
  }

  private Event decision(Decided d, JsonNode outcome, String eventId) {
    ObjectNode value = Claim.JSON.createObjectNode();
    value.put("constraint", constraint.name());
    value.setAll((ObjectNode) outcome.deepCopy());
    value.remove("partition");
    value.remove("offset");
    if (outcome.has("partition")) {
      value.putObject("event").put("stream", constraint.stream()).put("id", eventId)
          .put("partition", outcome.get("partition").asInt()).put("offset", outcome.get("offset").asLong());
    }
    value.putObject("claim").put("partition", partition).put("offset", d.claim().offset()).put("id", d.claim().id());
    value.put("key", d.what().rowKey());
    value.put("delete", d.what().delete());
    if (d.what().valueText() != null) {
      value.set("value", Claim.parse(d.what().valueText().getBytes(StandardCharsets.UTF_8)));
    }
    String key = d.what().valueText() == null ? d.what().rowKey() : d.what().valueText();
    return new Event(key, "decision/" + partition + "." + d.claim().offset(), null, List.of(d.claim().id()), false, Claim.bytes(value));
  }

  private List<Position> append(String stream, List<Event> events) {
    if (events.isEmpty()) {
      return List.of();
    }
    try {
      return log.append(stream, events).get(APPEND_WAIT_S, TimeUnit.SECONDS).positions();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while appending to '" + stream + "'");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof LogException le ? le : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("appending to '" + stream + "' took over " + APPEND_WAIT_S + " s");
    }
  }

  /** Waits until the claim at {@code offset} is decided; its outcome, or null at the deadline. */
  JsonNode awaitOutcome(long offset, long deadlineNanos) throws InterruptedException {
    synchronized (progressed) {
      while (next <= offset) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || error != null || !thread.isAlive() && thread.getState() != Thread.State.NEW) {
          return null;
        }
        progressed.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
    byte[] outcome = space.get(outcome(partition, offset));
    return outcome == null ? null : Claim.parse(outcome);
  }

  long next() {
    return next;
  }

  static byte[] position(int p) {
    return ByteBuffer.allocate(5).put(POSITION).putInt(p).array();
  }

  static byte[] hold(int p, String value) {
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + v.length).put(HOLD).putInt(p).put(v).array();
  }

  static byte[] rowPrefix(int p, String rowKey) {
    byte[] k = rowKey.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + k.length + 1).put(ROW).putInt(p).put(k).put((byte) 0).array();
  }

  static byte[] row(int p, String rowKey, String value) {
    byte[] prefix = rowPrefix(p, rowKey);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(prefix.length + v.length).put(prefix).put(v).array();
  }

  static byte[] outcome(int p, long offset) {
    return ByteBuffer.allocate(13).put(OUTCOME).putInt(p).putLong(offset).array();
  }
}
