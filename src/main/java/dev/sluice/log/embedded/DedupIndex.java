package dev.sluice.log.embedded;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operation ids of one stream appended within the dedup window, and where each landed. It is
 * derived from the log — rebuilt at open by reading the window's segments — so it needs no
 * durability of its own and survives kill -9 by construction. Only the writer thread changes it;
 * lineage queries ({@link EmbeddedLog#locate}) look ids up from other threads.
 */
final class DedupIndex {
  private final long windowMs;
  private final ConcurrentHashMap<String, Long> positions = new ConcurrentHashMap<>();
  private final ArrayDeque<Entry> byTime = new ArrayDeque<>();

  private record Entry(long appendTimeMs, String id) {}

  DedupIndex(long windowMs) {
    this.windowMs = windowMs;
  }

  /** The packed position of {@code id}, or -1. */
  long lookup(String id) {
    Long packed = positions.get(id);
    return packed == null ? -1 : packed;
  }

  void add(String id, int partition, long offset, long appendTimeMs) {
    positions.put(id, pack(partition, offset));
    byTime.addLast(new Entry(appendTimeMs, id));
  }

  /** Forgets ids appended before {@code nowMs - window}. */
  void expire(long nowMs) {
    long horizon = nowMs - windowMs;
    while (!byTime.isEmpty() && byTime.peekFirst().appendTimeMs() < horizon) {
      positions.remove(byTime.pollFirst().id());
    }
  }

  int size() {
    return positions.size();
  }

  static long pack(int partition, long offset) {
    return ((long) partition << 48) | offset;
  }

  static int partitionOf(long packed) {
    return (int) (packed >>> 48);
  }

  static long offsetOf(long packed) {
    return packed & ((1L << 48) - 1);
  }
}
