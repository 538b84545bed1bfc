package dev.sluice.kafka.log;

import dev.sluice.log.Position;
import dev.sluice.log.StreamSpec;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What one instance knows of one stream's topic, kept by the {@link Tail} as it reads every
 * partition and by the {@link Appender} as it commits: where the committed records end, how far the
 * tail has read, and the dedup index of client ids (docs/kafka.md "Deduplication").
 */
final class StreamState {
  final StreamSpec spec;
  final String topic;

  /** Per partition: one past the offset of the last committed record known here. */
  private final AtomicLongArray dataEnd;
  /** Per partition: the tail's consumer position (past markers too). */
  private final AtomicLongArray scanned;
  /**
   * Per partition: every offset below it is known here without the tail — this instance's own
   * last transaction and its commit marker, when nothing came between it and what was known.
   */
  private final AtomicLongArray known;
  private final AtomicReferenceArray<CompletableFuture<Void>> arrived;
  /** Client id → packed position of its first record. */
  private final ConcurrentHashMap<String, Long> ids = new ConcurrentHashMap<>();
  private final AtomicLong sizeBytes = new AtomicLong();
  /** Committed records the tail has read. */
  private final AtomicLong events = new AtomicLong();
  /** Completed once the tail has read every partition up to its end as of registration. */
  final CompletableFuture<Void> ready = new CompletableFuture<>();

  StreamState(StreamSpec spec, String topic) {
    this.spec = spec;
    this.topic = topic;
    int n = spec.partitions();
    this.dataEnd = new AtomicLongArray(n);
    this.scanned = new AtomicLongArray(n);
    this.known = new AtomicLongArray(n);
    this.arrived = new AtomicReferenceArray<>(n);
    for (int p = 0; p < n; p++) {
      arrived.set(p, new CompletableFuture<>());
    }
  }

  long dataEnd(int p) {
    return dataEnd.get(p);
  }

  long scanned(int p) {
    return scanned.get(p);
  }

  void scannedTo(int p, long position) {
    if (scanned.getAndAccumulate(p, position, Math::max) < position) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  /**
   * This instance committed records {@code first..last} of partition {@code p} in one transaction,
   * so its commit marker is at {@code last + 1}. If everything below {@code first} was known, then
   * so is everything below the marker's end: the next append need not wait for the tail to read its
   * own records back.
   */
  void ownTransaction(int p, long first, long last) {
    if (Math.max(scanned.get(p), known.get(p)) >= first) {
      known.accumulateAndGet(p, last + 2, Math::max);
    }
  }

  /** Waits until everything in partition {@code p} below {@code position} is known; false at the deadline. */
  synchronized boolean awaitScanned(int p, long position, long deadlineNanos) throws InterruptedException {
    while (scanned.get(p) < position && known.get(p) < position) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  /** A committed record is known at {@code offset}: wakes whoever waits for it. */
  void committed(int p, long offset) {
    long before = dataEnd.getAndAccumulate(p, offset + 1, Math::max);
    if (offset + 1 > before) {
      arrived.getAndSet(p, new CompletableFuture<>()).complete(null);
    }
  }

  CompletableFuture<Void> awaitRecord(int p, long offset) {
    CompletableFuture<Void> next = arrived.get(p);
    if (dataEnd.get(p) > offset) {
      return CompletableFuture.completedFuture(null);
    }
    return next.thenCompose(ignored -> awaitRecord(p, offset));
  }

  /** Records the first position of a client id; later ones are duplicates the index ignores. */
  void indexId(String id, int partition, long offset) {
    ids.putIfAbsent(id, pack(partition, offset));
  }

  Position original(String id) {
    Long packed = ids.get(id);
    return packed == null ? null : new Position((int) (packed >>> 48), packed & ((1L << 48) - 1), true);
  }

  int indexedIds() {
    return ids.size();
  }

  /** The tail read a committed record of {@code bytes}. */
  void counted(long bytes) {
    sizeBytes.addAndGet(bytes);
    events.incrementAndGet();
  }

  long events() {
    return events.get();
  }

  long sizeBytes() {
    return sizeBytes.get();
  }

  private static long pack(int partition, long offset) {
    return ((long) partition << 48) | offset;
  }
}
