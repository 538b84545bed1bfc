package dev.sluice.constraints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The uniqueness constraints of an instance that shares its log with others (docs/kafka.md
 * "Constraints on a cluster"). The catalog is the shared one: a declaration holds the constraint,
 * its seed cut (the constrained stream's end offsets when its data was checked) and whether it is
 * being dropped. Every instance turns appends to a constrained stream into claims; the processor of
 * a claims partition runs only on the instance that owns the partition now, and writes its
 * decisions through a writer that fences the previous owner's. Outcomes are read from the
 * decisions stream, so {@code ?wait=outcome} works through any instance.
 */
final class ClusterConstraints implements AutoCloseable {
  /** How long a statement waits for every member to have read its declaration, and a drop for the claims to be decided. */
  static final long MEMBERS_WAIT_MS = 30_000;
  private static final long SUPERVISE_MS = 250;
  /** After a processor here was fenced by another instance, how long before this one may take the partition again. */
  private static final long FENCED_BACKOFF_MS = 5_000;
  /** After a processor here failed (Kafka unreachable, say), how long before it starts again. */
  private static final long FAILED_BACKOFF_MS = 1_000;

  /** A declaration as applied here. */
  record Entry(Constraint constraint, List<Long> cut, boolean dropping, long offset) {}

  private final EventLog log;
  private final Path dir;
  private final SharedConstraints shared;
  private final long outcomeRetentionMs;
  private KeyValueStore store;
  private final Map<String, Entry> byName = new TreeMap<>();
  /** "name/p" → the processor running here. */
  private final Map<String, ClaimsProcessor> processors = new HashMap<>();
  /** "name/p" → when this instance may start a processor of it again, after one was fenced or failed. */
  private final Map<String, Long> notBefore = new HashMap<>();
  /** "name/p" → the decisions read from the log, for {@code ?wait=outcome}. */
  private final Map<String, Outcomes> outcomes = new ConcurrentHashMap<>();
  /** Claim appends handed to the log and not yet durable, per constraint: a drop's acknowledgement waits for them. */
  private final Map<String, Set<CompletableFuture<AppendResult>>> appending = new HashMap<>();
  private final Thread supervisor;
  private volatile boolean running = true;
  /**
   * Guards the processors and the store: held while starting (a seed reads the constrained stream)
   * and stopping them, never while holding this object's lock, so appends are not held up.
   */
  private final Object work = new Object();

  ClusterConstraints(EventLog log, Path dir, SharedConstraints shared, long outcomeRetentionMs) {
    this.log = log;
    this.dir = dir;
    this.shared = shared;
    this.outcomeRetentionMs = outcomeRetentionMs;
    long latest = -1;
    for (SharedConstraints.Declared d : shared.follow(this::declared).values()) {
      apply(d);
      latest = Math.max(latest, d.offset());
    }
    if (latest >= 0) {
      shared.acknowledge(latest);
    }
    synchronized (work) {
      if (!all().isEmpty() || java.nio.file.Files.exists(dir.resolve("state"))) {
        openStore();
        Set<String> live = new HashSet<>();
        all().forEach(c -> live.add(c.spaceName()));
        for (String space : store.spaceNames()) {
          if (!live.contains(space)) {
            store.drop(space); // a constraint dropped while this instance was away
          }
        }
      }
    }
    supervisor = new Thread(this::supervise, "sluice-constraints-supervisor");
    supervisor.setDaemon(true);
    supervisor.start();
  }

  /** Called holding {@link #work}. */
  private void openStore() {
    if (store == null) {
      store = KeyValueStore.open(dir.resolve("state"));
    }
  }

  /** A declaration from the catalog, made by any instance: applied, then acknowledged. */
  private void declared(SharedConstraints.Declared d) {
    if (apply(d)) {
      Entry e;
      synchronized (this) {
        e = byName.get(d.name());
      }
      if (e != null && e.dropping()) {
        awaitAppending(d.name()); // claims this instance has in flight land before it says it takes no more
      }
    }
    shared.acknowledge(d.offset());
  }

  /** Returns whether the declaration changed something here. */
  private boolean apply(SharedConstraints.Declared d) {
    Entry old;
    synchronized (this) {
      old = byName.get(d.name());
      if (old != null && old.offset() >= d.offset()) {
        return false;
      }
      if (d.value() != null) {
        try {
          JsonNode node = Claim.JSON.readTree(d.value());
          Constraint c = Claim.JSON.treeToValue(node.get("constraint"), Constraint.class);
          List<Long> cut = new ArrayList<>();
          node.path("cut").forEach(n -> cut.add(n.asLong()));
          byName.put(d.name(), new Entry(c, List.copyOf(cut), node.path("dropping").asBoolean(), d.offset()));
          return true;
        } catch (IOException | RuntimeException e) {
          System.err.println("sluice: skipping the unreadable catalog record 'constraint:" + d.name() + "' at offset " + d.offset() + ": " + e.getMessage());
          return false;
        }
      }
      if (old == null) {
        return false;
      }
      byName.remove(d.name());
    }
    // Dropped: its processors stop (each has decided every claim in its partition) and its state goes.
    synchronized (work) {
      for (int p = 0; p < old.constraint().partitions(); p++) {
        stopProcessor(key(d.name(), p));
        outcomes.remove(key(d.name(), p));
      }
      if (store != null) {
        store.drop(old.constraint().spaceName());
      }
    }
    return true;
  }

  private static String key(String name, int p) {
    return name + "/" + p;
  }

  synchronized List<Constraint> all() {
    return byName.values().stream().map(Entry::constraint).toList();
  }

  synchronized Optional<Constraint> on(String stream) {
    return byName.values().stream().map(Entry::constraint).filter(c -> c.stream().equals(stream)).findFirst();
  }

  // ---- the work: one processor per owned claims partition ----

  private void supervise() {
    while (running) {
      try {
        superviseOnce();
      } catch (RuntimeException e) {
        if (running) {
          System.err.println("sluice: the constraints' supervisor: " + e + "; trying again");
        }
      }
      try {
        Thread.sleep(SUPERVISE_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void superviseOnce() {
    List<Entry> entries;
    synchronized (this) {
      entries = List.copyOf(byName.values());
    }
    synchronized (work) {
      long now = System.currentTimeMillis();
      for (Entry e : entries) {
        Constraint c = e.constraint();
        for (int p = 0; p < c.partitions() && running; p++) {
          String key = key(c.name(), p);
          ClaimsProcessor current = processors.get(key);
          boolean owns = shared.owns(c.claimsStream(), p);
          if (current != null && (!owns || current.ended())) {
            if (current.ended()) { // fenced or failed, not given away
              notBefore.put(key, now + (current.fenced ? FENCED_BACKOFF_MS : FAILED_BACKOFF_MS));
            }
            stopProcessor(key);
            current = null;
          }
          if (owns && current == null && now >= notBefore.getOrDefault(key, 0L) && declared(e)) {
            openStore();
            Space space = store.space(c.spaceName());
            if (space.get(ClaimsProcessor.position(p)) == null) {
              seed(e, p, space);
            }
            ClaimsProcessor processor = new ClaimsProcessor(c, p, log, space, outcomeRetentionMs, shared.writer(c, p));
            processors.put(key, processor);
            processor.start();
          }
        }
      }
    }
  }

  /** Whether {@code e} is still declared (not dropped since the supervisor looked). */
  private synchronized boolean declared(Entry e) {
    Entry now = byName.get(e.constraint().name());
    return now != null && now.constraint().equals(e.constraint());
  }

  /** Called holding {@link #work}. */
  private void stopProcessor(String key) {
    ClaimsProcessor processor = processors.remove(key);
    if (processor != null) {
      processor.stop();
    }
  }

  /**
   * The state of claims partition {@code p} before its first claim: the values held in the
   * constrained stream up to the seed cut that fall in {@code p} — the same on every instance.
   */
  private void seed(Entry e, int p, Space space) {
    Constraint c = e.constraint();
    for (byte tag : new byte[] {ClaimsProcessor.POSITION, ClaimsProcessor.HOLD, ClaimsProcessor.ROW, ClaimsProcessor.OUTCOME}) {
      space.deleteRange(ByteBuffer.allocate(5).put(tag).putInt(p).array(), ByteBuffer.allocate(5).put(tag).putInt(p + 1).array());
    }
    Map<String, List<String>> holders = Constraints.holders(log, c, e.cut());
    try (Batch batch = space.batch()) {
      holders.forEach((value, who) -> {
        if (Partitioner.partition(value, c.partitions()) == p) {
          batch.put(ClaimsProcessor.hold(p, value), who.get(0).getBytes(StandardCharsets.UTF_8));
          if (c.table()) {
            batch.put(ClaimsProcessor.row(p, who.get(0), value), new byte[0]);
          }
        }
      });
      batch.put(ClaimsProcessor.position(p), ByteBuffer.allocate(8).putLong(0).array());
      batch.commit();
    }
  }

  // ---- statements ----

  boolean create(String name, String stream, List<String> fields, boolean ifNotExists) {
    Constraint c;
    synchronized (this) {
      if (byName.containsKey(name)) {
        if (ifNotExists) {
          return false;
        }
        throw new LogException(ErrorCode.STREAM_EXISTS, "constraint '" + name + "' already exists");
      }
      StreamSpec spec = log.stream(stream).orElseThrow(() -> new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + stream + "'"));
      Optional<Constraint> existing = on(stream);
      if (existing.isPresent()) {
        throw new LogException(ErrorCode.STREAM_EXISTS, "'" + stream + "' already has constraint '" + existing.get().name()
            + "'; one uniqueness constraint per stream");
      }
      c = new Constraint(name, stream, fields, spec.kind() == StreamKind.TABLE, spec.partitions(), System.currentTimeMillis());
      for (String internal : List.of(c.claimsStream(), c.decisionsStream())) {
        if (log.stream(internal).isPresent() && log.endOffset(internal, 0) > 0) {
          throw new LogException(ErrorCode.STREAM_EXISTS, "constraint '" + name + "' needs the name '" + internal
              + "' for its own stream, and a stream has it");
        }
      }
    }
    List<Long> cut = new ArrayList<>();
    for (int p = 0; p < c.partitions(); p++) {
      cut.add(log.endOffset(stream, p));
    }
    Constraints.checkHolders(c, Constraints.holders(log, c, cut));
    log.create(new StreamSpec(c.claimsStream(), StreamKind.STREAM, null, c.partitions()), true);
    log.create(new StreamSpec(c.decisionsStream(), StreamKind.STREAM, null, c.partitions()), true);
    long offset = shared.declare(name, value(c, cut, false));
    awaitMembers(offset, "constraint '" + name + "' is declared");
    return true;
  }

  private static byte[] value(Constraint c, List<Long> cut, boolean dropping) {
    ObjectNode node = Claim.JSON.createObjectNode();
    node.set("constraint", Claim.JSON.valueToTree(c));
    node.putArray("cut").addAll(cut.stream().map(n -> (JsonNode) Claim.JSON.getNodeFactory().numberNode(n)).toList());
    node.put("dropping", dropping);
    return Claim.bytes(node);
  }

  /** Waits until every member has read the catalog up to {@code offset}; {@code timeout} naming the others if not. */
  private void awaitMembers(long offset, String done) {
    try {
      Set<String> missing = shared.awaitAcknowledged(offset, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MEMBERS_WAIT_MS));
      if (!missing.isEmpty()) {
        throw new LogException(ErrorCode.TIMEOUT, done + ", but the instances " + missing + " did not confirm reading it within "
            + MEMBERS_WAIT_MS + " ms; appends through them may not follow it yet");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.TIMEOUT, "interrupted while waiting for the instances to read the catalog");
    }
  }

  boolean drop(String name, boolean ifExists) {
    Entry e;
    synchronized (this) {
      e = byName.get(name);
      if (e == null || e.dropping()) {
        if (ifExists) {
          return false;
        }
        throw new LogException(ErrorCode.NOT_FOUND, "no constraint is named '" + name + "'"
            + (byName.isEmpty() ? "" : "; the constraints are " + byName.keySet()));
      }
    }
    Constraint c = e.constraint();
    // 1. Every instance stops taking claims (and lands the ones it has in flight) before it acknowledges.
    long marked = shared.declare(name, value(c, e.cut(), true));
    boolean done = false;
    try {
      awaitMembers(marked, "constraint '" + name + "' is being dropped");
      // 2. Every claim in the claims log is decided by the owners of its partition.
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MEMBERS_WAIT_MS);
      if (!awaitDecided(c, deadline)) {
        throw new LogException(ErrorCode.TIMEOUT, "constraint '" + name + "' was not dropped: its pending claims were not"
            + " decided within " + MEMBERS_WAIT_MS + " ms; try again");
      }
      // 3. The tombstone: every instance forgets it and appends straight to the stream.
      long dropped = shared.declare(name, null);
      done = true;
      awaitMembers(dropped, "constraint '" + name + "' is dropped");
      return true;
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.TIMEOUT, "interrupted while dropping constraint '" + name + "'");
    } finally {
      if (!done) {
        shared.declare(name, value(c, e.cut(), false)); // the drop failed: the constraint takes claims again
      }
    }
  }

  /** Waits until the last claim of every claims partition has its decision in the log. */
  private boolean awaitDecided(Constraint c, long deadlineNanos) throws InterruptedException {
    for (int p = 0; p < c.partitions(); p++) {
      long last = lastClaim(c, p);
      if (last >= 0 && outcomes(c, p).await(last, deadlineNanos) == null) {
        return false;
      }
    }
    return true;
  }

  /**
   * The offset of the last claim (not release) in claims partition {@code p}, among all committed
   * (this instance's tail may not have read the last ones yet); -1 when there is none.
   */
  private long lastClaim(Constraint c, int p) {
    return shared.lastOffset(c.claimsStream(), p, value -> value != null && !Claim.parse(value).has("release"));
  }

  // ---- claims and outcomes ----

  CompletableFuture<AppendResult> claim(Constraint c, List<Event> events) {
    List<Event> claims = new ArrayList<>(events.size());
    for (Event e : events) {
      claims.add(Claim.of(e, c).toEvent());
    }
    synchronized (this) {
      Entry e = byName.get(c.name());
      if (e == null || e.dropping() || !e.constraint().equals(c)) {
        throw new LogException(ErrorCode.OVERLOADED, "constraint '" + c.name() + "' on '" + c.stream()
            + "' is being dropped; send the events again");
      }
      CompletableFuture<AppendResult> appended = log.append(c.claimsStream(), claims);
      Set<CompletableFuture<AppendResult>> set = appending.computeIfAbsent(c.name(), n -> new HashSet<>());
      set.add(appended);
      appended.whenComplete((r, x) -> {
        synchronized (this) {
          set.remove(appended);
        }
      });
      return appended;
    }
  }

  private void awaitAppending(String name) {
    List<CompletableFuture<AppendResult>> pending;
    synchronized (this) {
      pending = List.copyOf(appending.getOrDefault(name, Set.of()));
    }
    for (CompletableFuture<AppendResult> f : pending) {
      try {
        f.get(MEMBERS_WAIT_MS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        // not in the claims log, or its fate is for the client's retry to learn
      }
    }
  }

  Optional<JsonNode> awaitOutcome(Constraint c, Position position, long deadlineNanos) throws InterruptedException {
    return Optional.ofNullable(outcomes(c, position.partition()).await(position.offset(), deadlineNanos));
  }

  boolean awaitIdle(Constraint c, long deadlineNanos) throws InterruptedException {
    return awaitDecided(c, deadlineNanos);
  }

  private Outcomes outcomes(Constraint c, int p) {
    return outcomes.computeIfAbsent(key(c.name(), p), k -> new Outcomes(c, p));
  }

  /**
   * The decisions of one claims partition as read from the decisions stream (they are keyed as
   * their claims, so they are in the same partition of it), from its start: claim offset → outcome
   * in the form {@code ?wait=outcome} answers.
   */
  private final class Outcomes {
    private final Constraint constraint;
    private final int partition;
    private final Map<Long, JsonNode> byClaim = new HashMap<>();
    private long next;

    Outcomes(Constraint constraint, int partition) {
      this.constraint = constraint;
      this.partition = partition;
    }

    /** The outcome of the claim at {@code offset}, read from the log; null at the deadline. */
    JsonNode await(long offset, long deadlineNanos) throws InterruptedException {
      while (true) {
        long from;
        synchronized (this) {
          readOn();
          JsonNode found = byClaim.get(offset);
          if (found != null) {
            return found;
          }
          from = next;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        try {
          log.awaitRecord(constraint.decisionsStream(), partition, from).get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
          // look again
        }
      }
    }

    /** Reads the decisions that have come since. */
    private void readOn() {
      for (List<Record> page = log.read(constraint.decisionsStream(), partition, next, 1000); !page.isEmpty();
          page = log.read(constraint.decisionsStream(), partition, next, 1000)) {
        for (Record r : page) {
          JsonNode d = Claim.parse(r.value());
          if (d.path("claim").path("partition").asInt() == partition) {
            byClaim.put(d.path("claim").path("offset").asLong(), outcome(d));
          }
        }
        next = page.get(page.size() - 1).offset() + 1;
      }
    }

    private static JsonNode outcome(JsonNode decision) {
      ObjectNode out = Claim.JSON.createObjectNode();
      out.put("outcome", decision.path("outcome").asText());
      if (decision.has("event")) {
        out.put("partition", decision.path("event").path("partition").asInt());
        out.put("offset", decision.path("event").path("offset").asLong());
      } else {
        out.put("reason", decision.path("reason").asText());
      }
      return out;
    }
  }

  @Override
  public void close() {
    running = false;
    supervisor.interrupt();
    try {
      supervisor.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (work) {
      for (String key : List.copyOf(processors.keySet())) {
        stopProcessor(key);
      }
      if (store != null) {
        store.close();
      }
    }
  }
}
