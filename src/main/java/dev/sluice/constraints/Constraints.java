package dev.sluice.constraints;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.stores.Batch;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The uniqueness constraints of one Sluice (kept in {@code constraints.json}) and their claims
 * processors. An append to a constrained stream becomes claims in the constraint's claims log; the
 * processors decide them (see {@link ClaimsProcessor}).
 */
public final class Constraints implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Violations listed when a constraint cannot be created over existing data. */
  static final int VIOLATIONS_SHOWN_MAX = 10;

  private final EventLog log;
  private final Path dir;
  /** Opened with the first constraint: a Sluice without constraints keeps no store for them. */
  private KeyValueStore store;
  private final Map<String, Constraint> byName = new TreeMap<>();
  private final Map<String, List<ClaimsProcessor>> processors = new TreeMap<>();
  /** Constraints being dropped: they take no new claims while the ones in their log are decided. */
  private final java.util.Set<String> dropping = new java.util.HashSet<>();
  /** Claim appends handed to the log and not yet durable, per constraint: a drop waits for them. */
  private final Map<String, java.util.Set<CompletableFuture<AppendResult>>> appending = new TreeMap<>();
  /** How long a drop waits for the claims already in the claims log to be decided. */
  static final long DROP_WAIT_MS = 30_000;

  private final long outcomeRetentionMs;
  /** On a cluster of instances sharing the log: the constraints there (null on one instance alone). */
  private ClusterConstraints cluster;

  private Constraints(EventLog log, Path dir, long outcomeRetentionMs) {
    this.log = log;
    this.dir = dir;
    this.outcomeRetentionMs = outcomeRetentionMs;
  }

  /**
   * Opens the constraints of an instance: on one alone ({@code shared} null) kept in {@code dir}'s
   * {@code constraints.json}; on a cluster declared in the shared catalog, with only their
   * processors' state in {@code dir} (docs/kafka.md "Constraints on a cluster").
   */
  public static Constraints open(EventLog log, Path dir, SharedConstraints shared) {
    if (shared == null) {
      return open(log, dir);
    }
    Constraints constraints = new Constraints(log, dir, ClaimsProcessor.OUTCOME_RETENTION_MS);
    constraints.cluster = new ClusterConstraints(log, dir, shared, ClaimsProcessor.OUTCOME_RETENTION_MS);
    return constraints;
  }

  /** Opens the constraints in {@code dir} and starts deciding claims where each left off. */
  public static Constraints open(EventLog log, Path dir) {
    return open(log, dir, ClaimsProcessor.OUTCOME_RETENTION_MS);
  }

  /** As {@link #open(EventLog, Path)}, keeping outcomes for {@code outcomeRetentionMs} after their decision. */
  static Constraints open(EventLog log, Path dir, long outcomeRetentionMs) {
    Constraints constraints = new Constraints(log, dir, outcomeRetentionMs);
    constraints.restore();
    return constraints;
  }

  private synchronized void restore() {
    Path file = dir.resolve("constraints.json");
    if (!Files.exists(file)) {
      return;
    }
    List<Constraint> saved;
    try {
      saved = JSON.readValue(file.toFile(), new TypeReference<List<Constraint>>() {});
    } catch (IOException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot read " + file + ": " + e.getMessage(), e);
    }
    store = KeyValueStore.open(dir.resolve("state"));
    saved.forEach(c -> byName.put(c.name(), c));
    List<String> live = saved.stream().map(Constraint::spaceName).toList();
    for (String space : store.spaceNames()) {
      if (!live.contains(space)) {
        store.drop(space); // a constraint whose creation did not finish
      }
    }
    saved.forEach(this::start);
  }

  private void start(Constraint c) {
    Space space = store.space(c.spaceName());
    List<ClaimsProcessor> list = new ArrayList<>();
    for (int p = 0; p < c.partitions(); p++) {
      list.add(new ClaimsProcessor(c, p, log, space, outcomeRetentionMs));
    }
    processors.put(c.name(), list);
    list.forEach(ClaimsProcessor::start);
  }

  public List<Constraint> all() {
    return cluster != null ? cluster.all() : allHere();
  }

  private synchronized List<Constraint> allHere() {
    return List.copyOf(byName.values());
  }

  /** The constraint on {@code stream}, if any. */
  public Optional<Constraint> on(String stream) {
    return cluster != null ? cluster.on(stream) : onHere(stream);
  }

  private synchronized Optional<Constraint> onHere(String stream) {
    return byName.values().stream().filter(c -> c.stream().equals(stream)).findFirst();
  }

  /**
   * {@code CREATE CONSTRAINT}: checks the stream's events (a table's current rows) and refuses with
   * the violators if any value is held twice; otherwise takes every value they hold and starts
   * deciding claims. Returns false when it existed and {@code ifNotExists}.
   */
  public boolean create(String name, String stream, List<String> fields, boolean ifNotExists) {
    return cluster != null ? cluster.create(name, stream, fields, ifNotExists) : createHere(name, stream, fields, ifNotExists);
  }

  private synchronized boolean createHere(String name, String stream, List<String> fields, boolean ifNotExists) {
    if (byName.containsKey(name)) {
      if (ifNotExists) {
        return false;
      }
      throw new LogException(ErrorCode.STREAM_EXISTS, "constraint '" + name + "' already exists");
    }
    StreamSpec spec = log.stream(stream).orElseThrow(() -> new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + stream + "'"));
    if (on(stream).isPresent()) {
      throw new LogException(ErrorCode.STREAM_EXISTS, "'" + stream + "' already has constraint '" + on(stream).get().name()
          + "'; one uniqueness constraint per stream");
    }
    Constraint c = new Constraint(name, stream, fields, spec.kind() == StreamKind.TABLE, spec.partitions(), System.currentTimeMillis());
    for (String internal : List.of(c.claimsStream(), c.decisionsStream())) {
      if (log.stream(internal).isPresent() && !isLeftover(internal)) {
        throw new LogException(ErrorCode.STREAM_EXISTS, "constraint '" + name + "' needs the name '" + internal
            + "' for its own stream, and a stream has it");
      }
    }
    Map<String, List<String>> holders = holders(c);
    checkHolders(c, holders);
    log.create(new StreamSpec(c.claimsStream(), StreamKind.STREAM, null, c.partitions()), true);
    log.create(new StreamSpec(c.decisionsStream(), StreamKind.STREAM, null, c.partitions()), true);
    seed(c, holders);
    byName.put(name, c);
    save();
    start(c);
    return true;
  }

  /** A claims or decisions stream left by a creation that failed before it was saved. */
  private boolean isLeftover(String stream) {
    return log.endOffset(stream, 0) == 0 && byName.values().stream()
        .noneMatch(c -> c.claimsStream().equals(stream) || c.decisionsStream().equals(stream));
  }

  /** Value → who holds it now: a table's current rows, or every event of a stream. */
  private Map<String, List<String>> holders(Constraint c) {
    return holders(log, c, null);
  }

  /**
   * Value → who holds it: a table's rows, or the events of a stream, up to {@code cut} (the end
   * offset to read to in each partition; null: to the end).
   */
  static Map<String, List<String>> holders(EventLog log, Constraint c, List<Long> cut) {
    Holdings holdings = new Holdings(c);
    StreamSpec spec = log.stream(c.stream()).orElseThrow();
    for (int p = 0; p < spec.partitions(); p++) {
      long end = cut == null ? log.endOffset(c.stream(), p) : cut.get(p);
      for (long from = 0; from < end; ) {
        List<Record> page = log.read(c.stream(), p, from, 1000);
        if (page.isEmpty()) {
          break;
        }
        for (Record r : page) {
          if (r.offset() >= end) {
            break;
          }
          holdings.add(r);
        }
        from = page.get(page.size() - 1).offset() + 1;
      }
    }
    return holdings.holders();
  }

  /** Refuses with the violators when any value is held more than once. */
  static void checkHolders(Constraint c, Map<String, List<String>> holders) {
    List<String> violations = new ArrayList<>();
    holders.forEach((value, who) -> {
      if (who.size() > 1 && violations.size() < VIOLATIONS_SHOWN_MAX) {
        violations.add(String.join(", ", c.fields()) + " = " + value + " held by " + who);
      }
    });
    long violating = holders.values().stream().filter(w -> w.size() > 1).count();
    if (violating > 0) {
      throw new LogException(ErrorCode.CONSTRAINT_VIOLATED, "cannot create constraint '" + c.name() + "': " + violating
          + " value" + (violating == 1 ? " is" : "s are") + " already held more than once in '" + c.stream() + "': "
          + String.join("; ", violations) + (violating > violations.size() ? "; …" : ""));
    }
  }

  private void seed(Constraint c, Map<String, List<String>> holders) {
    if (store == null) {
      store = KeyValueStore.open(dir.resolve("state"));
    }
    store.drop(c.spaceName());
    Space space = store.space(c.spaceName());
    try (Batch batch = space.batch()) {
      holders.forEach((value, who) -> {
        int p = Partitioner.partition(value, c.partitions());
        batch.put(ClaimsProcessor.hold(p, value), who.get(0).getBytes(StandardCharsets.UTF_8));
        if (c.table()) {
          batch.put(ClaimsProcessor.row(p, who.get(0), value), new byte[0]);
        }
      });
      batch.commit();
    }
  }

  private void save() {
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve("constraints.json.tmp");
      try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
        channel.write(java.nio.ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(List.copyOf(byName.values()))));
        channel.force(true);
      }
      Files.move(tmp, dir.resolve("constraints.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot save the constraints: " + e.getMessage(), e);
    }
  }

  /**
   * Appends the events as claims, atomically and durably (one batch of the claims log); completes
   * with the claims' positions. Retried ids are claims-log duplicates, answered with the first
   * claim's position, so a retry waits for the same decision.
   */
  public CompletableFuture<AppendResult> claim(Constraint c, List<Event> events) {
    if (cluster != null) {
      return cluster.claim(c, events);
    }
    List<Event> claims = new ArrayList<>(events.size());
    for (Event e : events) {
      claims.add(Claim.of(e, c).toEvent());
    }
    CompletableFuture<AppendResult> appended;
    // Checked and handed to the log under the lock: once a drop has marked the constraint, every
    // claim it must decide is in the set it waits for.
    synchronized (this) {
      if (dropping.contains(c.name()) || byName.get(c.name()) != c) {
        throw new LogException(ErrorCode.OVERLOADED, "constraint '" + c.name() + "' on '" + c.stream()
            + "' is being dropped; send the events again");
      }
      appended = log.append(c.claimsStream(), claims);
      java.util.Set<CompletableFuture<AppendResult>> set = appending.computeIfAbsent(c.name(), n -> new java.util.HashSet<>());
      set.add(appended);
      appended.whenComplete((r, e) -> {
        synchronized (this) {
          set.remove(appended);
        }
      });
    }
    return appended;
  }

  /**
   * {@code DROP CONSTRAINT}: new appends to the stream stop being claims, every claim already in
   * the claims log is decided (so each acknowledged claim still gets its outcome, and an accepted
   * event is still appended), then the constraint is forgotten. Its claims and decisions streams
   * stay in the log as history, so its name cannot be used again; its state is deleted at the next
   * start. Returns false when it did not exist and {@code ifExists}.
   *
   * @throws LogException {@code timeout} when the pending claims were not decided within {@link
   *     #DROP_WAIT_MS}; the constraint then stays
   */
  public boolean drop(String name, boolean ifExists) {
    if (cluster != null) {
      return cluster.drop(name, ifExists);
    }
    Constraint c;
    List<CompletableFuture<AppendResult>> pending;
    synchronized (this) {
      c = byName.get(name);
      if (c == null || dropping.contains(name)) {
        if (ifExists) {
          return false;
        }
        throw new LogException(ErrorCode.NOT_FOUND, "no constraint is named '" + name + "'"
            + (byName.isEmpty() ? "" : "; the constraints are " + byName.keySet()));
      }
      dropping.add(name);
      pending = List.copyOf(appending.getOrDefault(name, java.util.Set.of()));
    }
    try {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(DROP_WAIT_MS);
      for (CompletableFuture<AppendResult> f : pending) {
        try {
          f.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException failed) {
          // Not in the claims log: nothing to decide.
        } catch (java.util.concurrent.TimeoutException e) {
          throw new LogException(ErrorCode.TIMEOUT, "constraint '" + name + "' was not dropped: claims being appended did not"
              + " become durable within " + DROP_WAIT_MS + " ms");
        }
      }
      if (!awaitIdle(c, deadline)) {
        throw new LogException(ErrorCode.TIMEOUT, "constraint '" + name + "' was not dropped: its pending claims were not"
            + " decided within " + DROP_WAIT_MS + " ms; try again");
      }
      synchronized (this) {
        byName.remove(name);
        appending.remove(name);
        // Saved before the processors stop: a crash in between restarts without the constraint.
        save();
        processors.remove(name).forEach(ClaimsProcessor::stop);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.TIMEOUT, "interrupted while dropping constraint '" + name + "'");
    } finally {
      synchronized (this) {
        dropping.remove(name);
      }
    }
  }

  /**
   * The outcome of the claim at {@code position}: {@code {"outcome":"accepted","partition":P,
   * "offset":O}} (where the event landed in the stream) or {@code {"outcome":"rejected","reason":…}};
   * empty if it is not decided by the deadline.
   */
  public Optional<JsonNode> awaitOutcome(Constraint c, Position position, long deadlineNanos) throws InterruptedException {
    if (cluster != null) {
      return cluster.awaitOutcome(c, position, deadlineNanos);
    }
    List<ClaimsProcessor> list;
    synchronized (this) {
      list = processors.get(c.name());
    }
    if (list == null) {
      return Optional.empty(); // dropped: its outcomes are in its decisions stream
    }
    return Optional.ofNullable(list.get(position.partition()).awaitOutcome(position.offset(), deadlineNanos));
  }

  /**
   * Waits until every claim in the constraint's claims log (releases included) is decided; false
   * at the deadline.
   */
  public boolean awaitIdle(Constraint c, long deadlineNanos) throws InterruptedException {
    if (cluster != null) {
      return cluster.awaitIdle(c, deadlineNanos);
    }
    List<ClaimsProcessor> list;
    synchronized (this) {
      list = processors.get(c.name());
    }
    if (list == null) {
      return true; // dropped, after every claim was decided
    }
    while (System.nanoTime() < deadlineNanos) {
      boolean idle = true;
      for (int p = 0; p < list.size(); p++) {
        idle &= list.get(p).next() >= log.endOffset(c.claimsStream(), p);
      }
      if (idle) {
        return true;
      }
      Thread.sleep(5);
    }
    return false;
  }

  @Override
  public synchronized void close() {
    if (cluster != null) {
      cluster.close();
      return;
    }
    processors.values().forEach(list -> list.forEach(ClaimsProcessor::stop));
    if (store != null) {
      store.close();
    }
  }
}
