package dev.sluice.engine;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Token;
import dev.sluice.operators.RowKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who serves which rows when several instances share a log (docs/deploy-kafka.md): the instance a
 * read goes to, this instance's part of a divided view's scan, the wait while a partition taken
 * over is restored, and each view's share of the work for {@code /status}. On one instance alone
 * ({@link Ownership#ALL}) every answer is "here".
 */
public final class Owners {
  private final Engine engine;
  private final EventLog log;
  private final Ownership ownership;

  Owners(Engine engine, EventLog log, Ownership ownership) {
    this.engine = engine;
    this.log = log;
    this.ownership = ownership;
  }

  /**
   * The base URL of the instance that serves the row {@code key} of {@code view}, when another
   * instance does; empty when this one does (or the key is null or no row of a divided view's: a
   * whole view's rows are all on its owner, whatever {@code key}). While no
   * instance owns it (a handover, or this instance joining) it waits up to {@code timeout}, then
   * throws {@link ErrorCode#OVERLOADED}.
   */
  public Optional<String> of(String view, RowKey key, Duration timeout) {
    if (ownership == Ownership.ALL) {
      return Optional.empty();
    }
    Placement placement = placement(engine.serving(view).definition);
    String what;
    java.util.function.Supplier<Optional<Optional<String>>> ask;
    if (placement instanceof Placement.Divided divided) {
      int p = key == null ? -1 : divided.partitionOf(key);
      if (p < 0) {
        return Optional.empty();
      }
      what = "partition " + p + " of '" + divided.source() + "'";
      ask = () -> ownership.owns(divided.source(), p) ? Optional.of(Optional.empty())
          : ownership.ownerOf(divided.source(), p).map(Optional::of);
    } else {
      what = "view '" + view + "'";
      ask = () -> ownership.ownsWhole(view) ? Optional.of(Optional.empty()) : ownership.wholeOwnerOf(view).map(Optional::of);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Optional<Optional<String>> answer = ask.get(); ; answer = ask.get()) {
      if (answer.isPresent()) {
        return answer.get();
      }
      if (System.nanoTime() > deadline) {
        throw new LogException(ErrorCode.OVERLOADED, "no instance owns " + what + " now (a handover, or instances joining); retry in a few seconds");
      }
      try {
        Thread.sleep(OWNER_POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LogException(ErrorCode.TIMEOUT, "interrupted while waiting for an owner of " + what);
      }
    }
  }

  /**
   * Waits until the state of the partition holding {@code key} (every partition, for a whole view
   * or a null key) has caught up with where the partition ended when this instance took it over,
   * so that a handover never answers from a checkpoint left behind. Throws
   * {@link ErrorCode#OVERLOADED} with the progress at the deadline.
   */
  void awaitRestored(ViewTask task, RowKey key, long deadlineNanos) {
    if (!(task.assignment() instanceof Handover handover)) {
      return;
    }
    Placement placement = placement(task.definition);
    int only = placement instanceof Placement.Divided divided && key != null ? divided.partitionOf(key) : -1;
    while (true) {
      String behind = null;
      for (Map.Entry<String, long[]> e : task.positionsSnapshot().entrySet()) {
        for (int p = 0; p < e.getValue().length && behind == null; p++) {
          // Asking marks a partition just taken over at once, not at the task's next pass.
          long target = (only < 0 || p == only) && handover.assigned(e.getKey(), p) ? handover.target(e.getKey(), p) : -1;
          if (target >= 0 && e.getValue()[p] < target) {
            behind = "partition " + p + " of '" + e.getKey() + "' is at " + e.getValue()[p] + " of " + target;
          }
        }
      }
      if (behind == null) {
        return;
      }
      if (System.nanoTime() > deadlineNanos) {
        throw new LogException(ErrorCode.OVERLOADED, "view '" + task.definition.name() + "' is restoring what this instance took over ("
            + behind + "); retry in a few seconds");
      }
      try {
        Thread.sleep(OWNER_POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LogException(ErrorCode.TIMEOUT, "interrupted while view '" + task.definition.name() + "' restores");
      }
    }
  }

  /** How often a read that waits for a partition's owner looks again. */
  private static final long OWNER_POLL_MS = 50;

  /** Whether other instances hold some of {@code view}'s rows: a divided view while several instances share the log. */
  public boolean divided(String view) {
    return ownership != Ownership.ALL && placement(engine.serving(view).definition) instanceof Placement.Divided;
  }

  /** A view version's placement never changes: computed once (it parses the pipeline). */
  private final Map<ViewDefinition, Placement> placements = new java.util.concurrent.ConcurrentHashMap<>();

  Placement placement(ViewDefinition d) {
    return placements.computeIfAbsent(d, x -> Placement.of(x, log));
  }

  /** The rows a scan found on this instance, and the partitions of the view's source they cover. */
  public record ScanPart(List<Integer> partitions, List<Engine.KeyedJson> rows) {}

  /**
   * {@link #scan} of a divided view restricted to the partitions this instance owns: rows of
   * partitions it owned before are kept but stale, and left out.
   */
  public ScanPart scanOwned(String view, RowKey from, RowKey to, String prefix, int limit, Token after, Duration timeout) {
    ViewTask task = engine.ready(view, after, timeout);
    awaitRestored(task, null, System.nanoTime() + timeout.toNanos());
    if (!(placement(task.definition) instanceof Placement.Divided divided)) {
      throw new IllegalStateException("view '" + view + "' is not divided");
    }
    List<Integer> owned = new ArrayList<>();
    for (int p = 0; p < divided.partitions(); p++) {
      if (ownership.owns(divided.source(), p)) {
        owned.add(p);
      }
    }
    List<Engine.KeyedJson> rows = Engine.scan(task, from, to, prefix, limit, key -> owned.contains(divided.partitionOf(key)));
    return new ScanPart(owned, rows);
  }

  /**
   * The other instances that own partitions of the divided view's source, once every partition has
   * an owner (waiting up to {@code timeout}); the partition count is {@link #partitions}.
   */
  public List<String> others(String view, Duration timeout) {
    Placement.Divided divided = (Placement.Divided) placement(engine.serving(view).definition);
    java.util.Set<String> owners = new java.util.TreeSet<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int p = 0; p < divided.partitions(); p++) {
      Optional<String> owner = ownership.ownerOf(divided.source(), p);
      while (owner.isEmpty() && !ownership.owns(divided.source(), p)) {
        if (System.nanoTime() > deadline) {
          throw new LogException(ErrorCode.OVERLOADED, "no instance owns partition " + p + " of '" + divided.source()
              + "' now (a handover, or instances joining); retry in a few seconds");
        }
        try {
          Thread.sleep(OWNER_POLL_MS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new LogException(ErrorCode.TIMEOUT, "interrupted while waiting for an owner");
        }
        owner = ownership.ownerOf(divided.source(), p);
      }
      owner.ifPresent(owners::add);
    }
    return List.copyOf(owners);
  }

  /** Whether several instances share the log (false on one instance alone). */
  public boolean clustered() {
    return ownership != Ownership.ALL;
  }

  /** The division of the work this instance last took part in ({@link Ownership#generation}). */
  public long generation() {
    return ownership.generation();
  }

  /**
   * The base URLs of every instance that serves rows of {@code view} now, this one included, once
   * each of its partitions (or the whole view) has an owner, waiting up to {@code timeout}.
   */
  public List<String> servers(String view, Duration timeout) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    if (divided(view)) {
      out.addAll(others(view, timeout));
      if (!ownedPartitions(view).isEmpty()) {
        out.add(ownership.self());
      }
    } else {
      out.add(of(view, null, timeout).orElse(ownership.self()));
    }
    return List.copyOf(out);
  }

  /**
   * The partitions of a divided view's source this instance owns now; for a whole view, every
   * partition ({@code [-1]}) when it runs here, none when another instance does.
   */
  public List<Integer> ownedPartitions(String view) {
    Placement placement = placement(engine.serving(view).definition);
    if (!(placement instanceof Placement.Divided divided)) {
      return ownership.ownsWhole(view) ? List.of(-1) : List.of();
    }
    List<Integer> owned = new ArrayList<>();
    for (int p = 0; p < divided.partitions(); p++) {
      if (ownership.owns(divided.source(), p)) {
        owned.add(p);
      }
    }
    return owned;
  }

  /** Whether a row of {@code view} with {@code key} derives from one of {@code partitions} (see {@link #ownedPartitions}). */
  public java.util.function.Predicate<RowKey> rowsOf(String view, List<Integer> partitions) {
    if (placement(engine.serving(view).definition) instanceof Placement.Divided divided) {
      java.util.Set<Integer> set = java.util.Set.copyOf(partitions);
      return key -> set.contains(divided.partitionOf(key));
    }
    return key -> partitions.contains(-1);
  }

  /** The base URLs of every instance of the cluster, this one included. */
  public java.util.Set<String> members() {
    return ownership.members();
  }

  /** This instance's base URL in its cluster. */
  public String self() {
    return ownership.self();
  }

  /**
   * Whether this instance maintains what an event at {@code partition} of {@code stream} did to
   * {@code view}: a divided view's owner of that partition of its source, a whole view's owner.
   */
  public boolean serves(String view, String stream, int partition) {
    if (!clustered()) {
      return true;
    }
    ViewTask task;
    try {
      task = engine.serving(view);
    } catch (LogException dropped) {
      return false;
    }
    if (placement(task.definition) instanceof Placement.Divided divided) {
      return divided.source().equals(stream) && ownership.owns(stream, partition);
    }
    return ownership.ownsWhole(view);
  }

  /** Waits until what this instance took over of {@code view} is restored (see {@link #awaitRestored(ViewTask, RowKey, long)}). */
  public void awaitRestored(String view, Duration timeout) {
    awaitRestored(engine.serving(view), null, System.nanoTime() + timeout.toNanos());
  }

  /** The partitions of a divided view's source: what the parts of a scan must cover between them. */
  public int partitions(String view) {
    return ((Placement.Divided) placement(engine.serving(view).definition)).partitions();
  }

  /** One view's share of the work on this instance, for {@code /status}. */
  public record Share(String view, String placement, List<Progress> partitions) {}

  /**
   * How far this instance's state of a view is in one partition it owns: {@code restoreTo} is where
   * the partition ended when this instance took it; until {@code position} gets there it is
   * {@code restoring} and reads of its rows wait.
   */
  public record Progress(String stream, int partition, long position, long end, long restoreTo, boolean restoring) {}

  /** What this instance runs of each view, and how far along each owned partition it is. */
  public List<Share> shares() {
    List<ViewTask> tasks = engine.servingTasks();
    List<Share> out = new ArrayList<>();
    for (ViewTask task : tasks) {
      Placement placement = placement(task.definition);
      boolean whole = placement instanceof Placement.Whole;
      if (whole && !ownership.ownsWhole(task.definition.name())) {
        out.add(new Share(task.definition.name(), "whole, elsewhere", List.of()));
        continue;
      }
      List<Progress> progress = new ArrayList<>();
      task.positionsSnapshot().forEach((source, next) -> {
        for (int p = 0; p < next.length; p++) {
          if (whole || ownership.owns(source, p)) {
            long target = task.assignment() instanceof Handover h ? h.target(source, p) : -1;
            progress.add(new Progress(source, p, next[p], log.endOffset(source, p), target, next[p] < target));
          }
        }
      });
      progress.sort(Comparator.comparing(Progress::stream).thenComparingInt(Progress::partition));
      out.add(new Share(task.definition.name(), whole ? "whole, here" : "divided", progress));
    }
    return out;
  }

  /** This instance's part in its cluster (empty on one instance alone). */
  public Map<String, Object> describe() {
    return ownership.describe();
  }
}
