package dev.sluice.log.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a segment from its header to its end, verifying every batch: length, CRC32C, structure,
 * dense offsets and the hash chain of every record (docs/log-format.md §6, steps 4–7). It builds the
 * segment's position index and finds where sound data ends.
 *
 * <p>A batch that cannot be read and is followed by nothing readable is a torn tail: bytes that were
 * never acknowledged. Anything else — a damaged batch with sound batches after it, or a sound batch
 * whose offsets or chain do not follow — is damage, reported with partition and offset; the affected
 * partitions refuse reads from that offset on instead of serving wrong data.
 */
final class SegmentScan {
  /** An id appended in this segment, for the dedup index. */
  record IdAt(String id, int partition, long offset, long appendTimeMs) {}

  /** Where the segment is damaged and which partitions lost data from which offset. */
  record Damage(long bytePosition, String reason, long[] corruptFrom) {}

  final ActiveIndex index;
  final long[] endOffsets;
  final byte[][] endChains;
  final List<IdAt> ids = new ArrayList<>();
  long validEnd;
  long lastAppendTimeMs;
  boolean tornTail;
  Damage damage;

  private final Segment segment;
  private final long fileSize;
  private final long[] corruptFrom;
  /** After a gap: partitions not yet seen to continue exactly where they were. */
  private final boolean[] undecided;

  private SegmentScan(Segment segment, long fileSize) {
    this.segment = segment;
    this.fileSize = fileSize;
    int partitions = segment.header.partitions();
    this.index = new ActiveIndex(partitions);
    this.endOffsets = segment.header.baseOffsets().clone();
    this.endChains = segment.header.baseChains().clone();
    this.corruptFrom = new long[partitions];
    Arrays.fill(corruptFrom, -1);
    this.undecided = new boolean[partitions];
    this.lastAppendTimeMs = segment.header.createdMs();
  }

  static SegmentScan run(Segment segment, boolean collectIds) throws IOException {
    SegmentScan scan = new SegmentScan(segment, segment.file.size());
    scan.scan(collectIds);
    return scan;
  }

  /** Whether a sound batch starts anywhere after the segment's header. */
  static boolean holdsSoundBatch(Segment segment) throws IOException {
    return new SegmentScan(segment, segment.file.size()).findNextBatch(segment.header.size()) >= 0;
  }

  private void scan(boolean collectIds) throws IOException {
    long position = segment.header.size();
    validEnd = position;
    long damageAt = -1;
    String damageReason = null;
    while (position < fileSize) {
      String problem;
      ByteBuffer batch = null;
      try {
        batch = segment.readBatch(position, fileSize);
        problem = apply(batch, position, collectIds, true);
      } catch (Segment.Damaged d) {
        problem = d.getMessage();
      } catch (Varints.Malformed m) {
        problem = "malformed record: " + m.getMessage();
      }
      if (problem == null) {
        apply(batch, position, collectIds, false);
        position += 4 + batch.getInt(0);
        if (damageAt < 0) {
          validEnd = position;
        }
        continue;
      }
      if (damageAt < 0) {
        damageAt = position;
        damageReason = problem;
      }
      long next = findNextBatch(position + 1);
      if (next < 0) {
        // Unreadable bytes with nothing sound after them were never acknowledged: a torn tail.
        tornTail = batch == null && damageAt == position;
        if (!tornTail) {
          refuseUnconfirmed(true);
        }
        break;
      }
      refuseUnconfirmed(false);
      for (int p = 0; p < undecided.length; p++) {
        undecided[p] = corruptFrom[p] < 0;
      }
      position = next;
    }
    if (damageAt >= 0 && !tornTail) {
      refuseUnconfirmed(false);
      damage = new Damage(damageAt, damageReason, corruptFrom);
    }
  }

  /**
   * A partition not seen to continue exactly where it was when a gap began may have lost records in
   * the gap: it refuses reads from there on, rather than guess. With {@code all}, every partition
   * still sound is refused too (the damage is at the very end and names no partition).
   */
  private void refuseUnconfirmed(boolean all) {
    for (int p = 0; p < corruptFrom.length; p++) {
      if (corruptFrom[p] < 0 && (undecided[p] || all)) {
        corruptFrom[p] = endOffsets[p];
      }
      undecided[p] = false;
    }
  }

  /**
   * Checks (when {@code dryRun}) or applies a sound batch. Returns null when every record follows
   * its partition's offsets and chain, else the first inconsistency.
   */
  private String apply(ByteBuffer batch, long position, boolean collectIds, boolean dryRun) {
    BatchReader reader = BatchReader.over(batch);
    long[] expected = dryRun ? endOffsets.clone() : endOffsets;
    byte[][] chains = dryRun ? endChains.clone() : endChains;
    boolean[] skip = new boolean[expected.length];
    while (reader.next()) {
      int p = reader.partition();
      if (p >= expected.length) {
        return "record for partition " + p + " in a stream of " + expected.length;
      }
      if (corruptFrom[p] >= 0 || skip[p]) {
        continue;
      }
      BatchReader.Stored stored = reader.decode();
      if (undecided[p]) {
        if (reader.offset() != expected[p]) {
          if (!dryRun) {
            corruptFrom[p] = expected[p];
            undecided[p] = false;
          }
          skip[p] = true;
          continue;
        }
        if (!dryRun) {
          undecided[p] = false;
        }
      }
      if (reader.offset() != expected[p]) {
        return "partition " + p + " offset " + reader.offset() + " where " + expected[p] + " was expected";
      }
      if (!stored.chainMatches(chains[p], reader.body())) {
        return "hash chain broken at partition " + p + " offset " + reader.offset();
      }
      chains[p] = stored.chain();
      expected[p]++;
      if (!dryRun) {
        index.add(p, Math.toIntExact(position));
        if (collectIds && !stored.idGenerated()) {
          ids.add(new IdAt(stored.record().id(), p, reader.offset(), reader.appendTimeMs()));
        }
      }
    }
    if (!dryRun) {
      lastAppendTimeMs = Math.max(lastAppendTimeMs, reader.appendTimeMs());
    }
    return null;
  }

  /** The first position at or after {@code from} where a sound batch starts, or -1. */
  private long findNextBatch(long from) throws IOException {
    long last = fileSize - LogFormat.BATCH_PREFIX_BYTES - LogFormat.BATCH_BODY_HEADER_BYTES;
    ByteBuffer block = ByteBuffer.allocate(64 * 1024);
    long blockStart = -1;
    for (long at = from; at <= last; at++) {
      if (blockStart < 0 || at + 9 > blockStart + block.limit()) {
        blockStart = at;
        block.clear();
        block.limit((int) Math.min(block.capacity(), fileSize - at));
        segment.file.readFully(block, at);
        block.flip();
      }
      int i = (int) (at - blockStart);
      int length = block.getInt(i);
      if (block.get(i + 8) != LogFormat.BATCH_MAGIC || length < 4 + LogFormat.BATCH_BODY_HEADER_BYTES || at + 4 + length > fileSize) {
        continue;
      }
      try {
        segment.readBatch(at, fileSize);
        return at;
      } catch (Segment.Damaged notHere) {
        // Keep looking: these bytes only resembled a batch header.
      }
    }
    return -1;
  }
}
