package dev.sluice.constraints;

import dev.sluice.log.Event;
import dev.sluice.log.Position;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the constraints need from a cluster of instances on one shared log (docs/kafka.md
 * "Constraints on a cluster"): a catalog every instance follows, a way to learn that every member
 * has read a declaration, which claims partitions this instance decides, and a fenced writer per
 * claims partition. On one instance alone there is none, and {@code constraints.json} is the catalog.
 */
public interface SharedConstraints {
  /** Something that offers shared constraints (the Kafka backend's membership). */
  interface Source {
    SharedConstraints sharedConstraints();
  }

  /** A declaration as the catalog holds it: its value (null: a tombstone) and offset. */
  record Declared(String name, byte[] value, long offset) {}

  /** Hears each declaration of a constraint, made by any instance; must not block. */
  interface Listener {
    void declared(Declared declared);
  }

  /** Every constraint declared now, and from then on each change to {@code listener}, in catalog order. */
  Map<String, Declared> follow(Listener listener);

  /** Publishes {@code value} (null: a tombstone) as the declaration of {@code name}; its offset. */
  long declare(String name, byte[] value);

  /** Records that this instance has applied the catalog up to {@code offset}. */
  void acknowledge(long offset);

  /** The members (their base URLs) that have not acknowledged {@code offset} by the deadline; empty when all have. */
  Set<String> awaitAcknowledged(long offset, long deadlineNanos) throws InterruptedException;

  /**
   * The offset of the last record in {@code stream}'s {@code partition} whose value {@code which}
   * accepts, among everything committed now (not only what this instance has read so far); -1
   * when there is none.
   */
  long lastOffset(String stream, int partition, java.util.function.Predicate<byte[]> which);

  /** Whether this instance decides the claims of {@code claimsStream}'s {@code partition} now. */
  boolean owns(String claimsStream, int partition);

  /**
   * The writer of one claims partition's decisions: its transactional id is fixed per partition,
   * so opening one fences every writer opened before it, on any instance.
   */
  Writer writer(Constraint constraint, int partition);

  /** One claims partition's fenced writer. */
  interface Writer extends AutoCloseable {
    /**
     * Fences the previous writers of the partition and returns the offset of the last claim whose
     * decision is in the log (-1: none): those were decided by an earlier owner, in this order.
     */
    long open();

    /** Begins a transaction. */
    void begin();

    /**
     * Sends {@code events} to {@code stream} in the open transaction and waits until the broker has
     * them; their positions, in order (visible to readers once committed).
     */
    List<Position> append(String stream, List<Event> events);

    /**
     * Commits the open transaction; on any failure it is aborted and nothing of it is visible.
     *
     * @throws Fenced when another writer of the partition was opened since
     */
    void commit();

    @Override
    void close();
  }

  /** This writer was fenced by a newer one: the partition has another owner. */
  final class Fenced extends RuntimeException {
    public Fenced(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
