package dev.sluice.log.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.log.RecordView;
import java.util.function.Consumer;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One stream on disk: its segments, the per-partition ends and chains, and its dedup index. The
 * writer thread alone changes it; readers see what the writer published as durable.
 */
final class StreamLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  final StreamSpec spec;
  final Path dir;
  final DedupIndex dedup;
  private final Storage storage;
  /** Whether the active segment is opened for appends that wait for their sync (--fsync always; §8). */
  private final boolean syncedAppends;
  private final long dedupWindowMs;

  /** Sealed segments then the active one; replaced whole (copy on write) when a segment rolls. */
  volatile List<Segment> segments;

  /** Writer-owned: next offset and last chain per partition, including written, unsynced records. */
  final long[] nextOffset;
  final byte[][] chain;

  /** Every offset below it is durable and readable. */
  private final AtomicLongArray durableEnd;
  private final AtomicReferenceArray<CompletableFuture<Void>> appended;

  /** Per partition: the offset from which reads are refused (damage found), or -1. */
  private final long[] corruptFrom;
  private final String[] corruptReason;
  /** Set when damage makes the next offsets unknowable: the stream refuses appends. */
  volatile LogException writeRefusal;
  /** Batches read and verified lately: each holds records of every partition, which are read one partition at a time. */
  private final RecentBatches recentBatches = new RecentBatches();

  private StreamLog(StreamSpec spec, Path dir, Storage storage, long dedupWindowMs, boolean syncedAppends) {
    this.spec = spec;
    this.dir = dir;
    this.storage = storage;
    this.syncedAppends = syncedAppends;
    this.dedup = new DedupIndex(dedupWindowMs);
    this.dedupWindowMs = dedupWindowMs;
    int n = spec.partitions();
    this.nextOffset = new long[n];
    this.chain = new byte[n][];
    Arrays.fill(chain, Chains.GENESIS);
    this.durableEnd = new AtomicLongArray(n);
    this.appended = new AtomicReferenceArray<>(n);
    for (int p = 0; p < n; p++) {
      appended.set(p, new CompletableFuture<>());
    }
    this.corruptFrom = new long[n];
    Arrays.fill(corruptFrom, -1);
    this.corruptReason = new String[n];
  }

  // ---- creation and recovery (docs/log-format.md §6) ----

  /**
   * @param syncedAppends whether every append is synced before it is acknowledged ({@code --fsync
   *     always}): the active segment may then hold appends in memory until their sync (§8)
   */
  static StreamLog create(Storage storage, Path dir, StreamSpec spec, long nowMs, long dedupWindowMs, boolean syncedAppends) throws IOException {
    storage.createDirectories(dir);
    storage.syncDirectory(dir.getParent());
    StreamLog log = new StreamLog(spec, dir, storage, dedupWindowMs, syncedAppends);
    long[] bases = new long[spec.partitions()];
    byte[][] chains = new byte[spec.partitions()][];
    Arrays.fill(chains, Chains.GENESIS);
    log.segments = List.of(log.newSegment(0, nowMs, bases, chains, true));
    // The metadata file is written last: a folder without it is an interrupted create.
    storage.writeAtomically(dir.resolve(LogFormat.META_FILE), metaJson(spec, nowMs));
    return log;
  }

  static boolean isComplete(Storage storage, Path dir) {
    return storage.exists(dir.resolve(LogFormat.META_FILE));
  }

  /** Opens and recovers a stream's folder (§6); {@code syncedAppends} as for {@link #create}. */
  static StreamLog open(Storage storage, Path dir, long nowMs, long dedupWindowMs, boolean syncedAppends) throws IOException {
    StreamSpec spec = readMeta(storage, dir);
    StreamLog log = new StreamLog(spec, dir, storage, dedupWindowMs, syncedAppends);
    log.recover(nowMs);
    return log;
  }

  private void recover(long nowMs) throws IOException {
    List<Long> numbers = new ArrayList<>();
    for (String name : storage.list(dir)) {
      if (name.endsWith(".tmp")) {
        storage.delete(dir.resolve(name)); // step 2: an interrupted atomic write
      } else if (name.endsWith(LogFormat.SEGMENT_SUFFIX)) {
        numbers.add(Long.parseLong(name.substring(0, name.length() - LogFormat.SEGMENT_SUFFIX.length())));
      }
    }
    int n = spec.partitions();
    if (numbers.size() > 1 && unfinishedRoll(numbers.get(numbers.size() - 1), n)) {
      // Step 3: never acknowledged; the segment before it is the last again.
      storage.delete(dir.resolve(LogFormat.segmentName(numbers.remove(numbers.size() - 1))));
      storage.syncDirectory(dir);
    }
    if (numbers.isEmpty()) {
      byte[][] chains = new byte[n][];
      Arrays.fill(chains, Chains.GENESIS);
      segments = List.of(newSegment(0, nowMs, new long[n], chains, true));
      return;
    }
    List<Segment> opened = new ArrayList<>();
    List<SegmentScan.IdAt> tailIds = List.of();
    long[] ends = new long[n];
    byte[][] chains = new byte[n][];
    Arrays.fill(chains, Chains.GENESIS);
    for (int i = 0; i < numbers.size(); i++) {
      long number = numbers.get(i);
      boolean last = i == numbers.size() - 1;
      Path path = dir.resolve(LogFormat.segmentName(number));
      Storage.StorageFile file = last ? openActive(path) : storage.open(path, false);
      SegmentHeader header;
      try {
        header = readHeader(file, number, n);
        if (header.partitions() != n) {
          throw new SegmentHeader.FormatException(
              "segment has " + header.partitions() + " partitions, the stream " + n);
        }
      } catch (SegmentHeader.FormatException e) {
        file.close();
        refuseFrom(ends, path, 0, e.getMessage());
        break;
      }
      // Step 3: each segment continues exactly where the one before it ended.
      if (!continues(header, ends, chains)) {
        file.close();
        refuseFrom(ends, path, header.size(), "segment does not continue the previous one (offsets or chain)");
        break;
      }
      Segment segment = new Segment(path, header, file, file.size(), null, header.createdMs());
      SealedIndex sealed = last ? null : SealedIndex.open(storage, dir.resolve(LogFormat.indexName(number)), number, n);
      if (sealed != null
          && sealed.summary().sealedSize() == file.size()
          && Arrays.equals(sealed.summary().baseOffsets(), header.baseOffsets())) {
        segment.index = sealed;
        segment.lastAppendTimeMs = sealed.summary().lastAppendTimeMs();
        for (int p = 0; p < n; p++) {
          ends[p] = header.baseOffsets()[p] + sealed.count(p);
          chains[p] = sealed.summary().endChains()[p];
        }
        opened.add(segment);
        continue;
      }
      if (sealed != null) {
        sealed.close();
      }
      SegmentScan scan = SegmentScan.run(segment, true);
      segment.index = scan.index;
      segment.lastAppendTimeMs = scan.lastAppendTimeMs;
      System.arraycopy(scan.endOffsets, 0, ends, 0, n);
      System.arraycopy(scan.endChains, 0, chains, 0, n);
      opened.add(segment);
      if (scan.damage != null) {
        for (int p = 0; p < n; p++) {
          if (scan.damage.corruptFrom()[p] >= 0) {
            corrupt(p, scan.damage.corruptFrom()[p], describe(path, scan.damage.bytePosition(), p, scan.damage.corruptFrom()[p], scan.damage.reason()));
          }
        }
        // The size stays the file's: partitions seen to continue after the damage stay readable.
        refuseWrites("stream '" + spec.name() + "' is damaged in " + path.getFileName() + "; see the partitions' errors");
        // Damaged data gets no index. The next segment's header says where every partition goes
        // on, so the partitions sound here stay readable in the segments after it (step 3).
        continue;
      }
      // Step 7: bytes after the last sound batch were never acknowledged. In a sealed segment
      // (step 5) only the padding of the last write before the roll (§1) is taken for that.
      if (scan.tornTail && (last || LogFormat.isPadding(file::readFully, scan.validEnd, file.size()))) {
        file.truncate(scan.validEnd);
        file.sync();
        segment.size = scan.validEnd;
      }
      if (!last) {
        // Step 5: a sealed segment without a sound index gets one again.
        SealedIndex.write(storage, dir.resolve(LogFormat.indexName(number)), summaryOf(segment, scan, number), snapshot(scan.index, n));
        segment.index = SealedIndex.open(storage, dir.resolve(LogFormat.indexName(number)), number, n);
      } else {
        segment.size = scan.validEnd;
        storage.delete(dir.resolve(LogFormat.indexName(number)));
        tailIds = scan.ids;
      }
    }
    if (opened.isEmpty()) {
      segments = List.of();
      return;
    }
    segments = List.copyOf(opened);
    for (int p = 0; p < n; p++) {
      nextOffset[p] = ends[p];
      chain[p] = chains[p];
      durableEnd.set(p, ends[p]);
    }
    loadIds(tailIds, nowMs);
  }

  /** Step 8: the dedup index holds the ids of the window, added oldest first so expiry stays right. */
  private void loadIds(List<SegmentScan.IdAt> tailIds, long nowMs) throws IOException {
    List<Segment> all = segments;
    for (Segment segment : all.subList(0, all.size() - 1)) {
      if (segment.lastAppendTimeMs >= nowMs - dedupWindowMs) {
        SegmentScan scan = SegmentScan.run(segment, true);
        for (SegmentScan.IdAt id : scan.ids) {
          dedup.add(id.id(), id.partition(), id.offset(), id.appendTimeMs());
        }
        if (scan.damage != null) {
          reportSealedDamage(segment, scan.damage);
        }
      }
    }
    for (SegmentScan.IdAt id : tailIds) {
      dedup.add(id.id(), id.partition(), id.offset(), id.appendTimeMs());
    }
    dedup.expire(nowMs);
  }

  /** The active segment's file: appends and syncs as {@link #syncedAppends} allows. */
  private Storage.StorageFile openActive(Path path) throws IOException {
    return syncedAppends ? storage.openForAppends(path) : storage.open(path, false);
  }

  /** The segment's header, read as far as a header of {@code n} partitions goes. */
  private static SegmentHeader readHeader(Storage.StorageFile file, long number, int n) throws IOException, SegmentHeader.FormatException {
    ByteBuffer head = ByteBuffer.allocate((int) Math.min(file.size(), SegmentHeader.sizeFor(n)));
    file.readFully(head, 0);
    return SegmentHeader.decode(head.flip(), number);
  }

  /**
   * Whether the last segment is one a roll started and the writer had not made durable: its header
   * unsound (or absent), and no sound batch where batches would follow it (docs/log-format.md §6
   * step 3). A segment with a sound batch after an unsound header is damage, not this.
   */
  private boolean unfinishedRoll(long number, int n) throws IOException {
    Path path = dir.resolve(LogFormat.segmentName(number));
    try (Storage.StorageFile file = storage.open(path, false)) {
      try {
        readHeader(file, number, n);
        return false;
      } catch (SegmentHeader.FormatException unsound) {
        byte[][] chains = new byte[n][];
        Arrays.fill(chains, Chains.GENESIS);
        // Only the header's size matters here: where batches would begin.
        SegmentHeader layout = new SegmentHeader(number, 0, new long[n], chains);
        return !SegmentScan.holdsSoundBatch(new Segment(path, layout, file, file.size(), null, 0));
      }
    }
  }

  /**
   * Damage this scan found in a sealed segment. The sealed index counts every partition's records,
   * so a partition whose sound records reach its count lost nothing, though it was not seen after
   * the damage.
   */
  private void reportSealedDamage(Segment segment, SegmentScan.Damage damage) {
    for (int p = 0; p < spec.partitions(); p++) {
      long from = damage.corruptFrom()[p];
      if (from >= 0 && from < segment.endOffset(p)) {
        corrupt(p, from, describe(segment.path, damage.bytePosition(), p, from, damage.reason()));
      }
    }
  }

  private SealedIndex.Summary summaryOf(Segment segment, SegmentScan scan, long number) {
    int n = spec.partitions();
    long[] counts = new long[n];
    for (int p = 0; p < n; p++) {
      counts[p] = scan.index.count(p);
    }
    return new SealedIndex.Summary(
        number, scan.validEnd, scan.lastAppendTimeMs, segment.header.baseOffsets(), counts, scan.endChains.clone());
  }

  private static int[][] snapshot(ActiveIndex index, int partitions) {
    int[][] positions = new int[partitions][];
    for (int p = 0; p < partitions; p++) {
      positions[p] = index.snapshot(p);
    }
    return positions;
  }

  private void refuseFrom(long[] ends, Path path, long bytePosition, String reason) {
    for (int p = 0; p < spec.partitions(); p++) {
      corrupt(p, ends[p], describe(path, bytePosition, p, ends[p], reason));
    }
    refuseWrites("stream '" + spec.name() + "' is damaged in " + path.getFileName() + ": " + reason);
  }

  private String describe(Path segment, long bytePosition, int p, long offset, String reason) {
    return "stream '" + spec.name() + "' partition " + p + " is damaged from offset " + offset
        + " (segment " + segment.getFileName() + ", byte " + bytePosition + "): " + reason
        + "; reads from that offset are refused";
  }

  /** Refuses reads of partition {@code p} from {@code offset} on; the earliest damage wins. */
  private void corrupt(int p, long offset, String reason) {
    if (corruptFrom[p] < 0 || offset < corruptFrom[p]) {
      corruptFrom[p] = offset;
      corruptReason[p] = reason;
    }
  }

  /**
   * Whether a segment with {@code header} continues exactly where the segments before it ended. A
   * partition refused for damage goes on where the header says, since it is read only up to the
   * damage. One refused only because it was not seen after the damage (SegmentScan) lost nothing if
   * the header continues its offsets and chain exactly: it is sound after all.
   */
  private boolean continues(SegmentHeader header, long[] ends, byte[][] chains) {
    boolean continues = true;
    for (int p = 0; p < ends.length; p++) {
      boolean exactly = header.baseOffsets()[p] == ends[p] && Arrays.equals(header.baseChains()[p], chains[p]);
      if (corruptFrom[p] < 0) {
        continues &= exactly;
        continue;
      }
      if (exactly && corruptFrom[p] == ends[p]) {
        corruptFrom[p] = -1;
        corruptReason[p] = null;
      }
      ends[p] = header.baseOffsets()[p];
      chains[p] = header.baseChains()[p];
    }
    return continues;
  }

  void refuseWrites(String reason) {
    writeRefusal = new LogException(ErrorCode.CORRUPT_PARTITION, reason);
  }

  /** Damage found in every partition's state at open, for reports: partition → message. */
  List<String> damageReports() {
    List<String> reports = new ArrayList<>();
    for (String reason : corruptReason) {
      if (reason != null) {
        reports.add(reason);
      }
    }
    return reports;
  }

  // ---- segments ----

  Segment active() {
    List<Segment> all = segments;
    return all.get(all.size() - 1);
  }

  /**
   * Creates a segment: its header to a temporary file, renamed. A stream's first segment is made
   * {@code durable} at once (the file fsynced before the rename, the folder after). The segment a
   * roll continues in is not waited for: the writer makes it durable — the file, then the folder —
   * before it acknowledges anything written to it (docs/log-format.md §1, §6 step 3). A crash before
   * then leaves no such segment, or one whose header is unsound and that holds no sound batch,
   * which opening the log removes.
   */
  Segment newSegment(long number, long nowMs, long[] bases, byte[][] chains, boolean durable) throws IOException {
    SegmentHeader header = new SegmentHeader(number, nowMs, bases.clone(), chains.clone());
    Path path = dir.resolve(LogFormat.segmentName(number));
    ByteBuffer bytes = header.encode();
    storage.replace(path, Arrays.copyOf(bytes.array(), bytes.remaining()), durable);
    if (durable) {
      storage.syncDirectory(dir);
    }
    Segment segment = new Segment(path, header, openActive(path), header.size(), new ActiveIndex(spec.partitions()), nowMs);
    segment.folderUnsynced = !durable;
    return segment;
  }

  /**
   * Seals the active segment and starts the next; called by the writer before a batch that would
   * not fit, after it has fsynced the active segment: so a successor's header never outlives its
   * predecessor's tail (docs/log-format.md §6 step 3). Its index file is left
   * to {@link Sealing#writeIndex}, off the writer's path: until that has run, lookups use the
   * in-memory index, and a crash before it leaves a sealed segment without an index, which opening
   * the log rebuilds (§6 step 5).
   *
   * @return what is left to do: the sealed segment's index file
   */
  Sealing roll(long nowMs) throws IOException {
    Segment old = active();
    int n = spec.partitions();
    long[] counts = new long[n];
    for (int p = 0; p < n; p++) {
      counts[p] = old.index.count(p);
    }
    long number = old.header.number();
    SealedIndex.Summary summary =
        new SealedIndex.Summary(number, old.size, old.lastAppendTimeMs, old.header.baseOffsets(), counts, chain.clone());
    Segment next = newSegment(number + 1, nowMs, nextOffset, chain, false);
    List<Segment> all = new ArrayList<>(segments);
    all.add(next);
    segments = List.copyOf(all);
    return new Sealing(old, summary);
  }

  /** A segment {@link #roll} sealed whose index file is still to be written. */
  final class Sealing {
    private final Segment segment;
    private final SealedIndex.Summary summary;

    private Sealing(Segment segment, SealedIndex.Summary summary) {
      this.segment = segment;
      this.summary = summary;
    }

    /**
     * Writes the index file (§4) and moves the segment's lookups to it. The segment's in-memory
     * index no longer changes, so this may run on any thread.
     */
    void writeIndex() throws IOException {
      // The last write's padding goes first (§1): the index names the segment's exact size.
      segment.file.endAppends();
      int n = spec.partitions();
      Path indexPath = dir.resolve(LogFormat.indexName(summary.segment()));
      SealedIndex.write(storage, indexPath, summary, snapshot((ActiveIndex) segment.index, n));
      // Readers holding the in-memory index keep working; new lookups go to the file.
      segment.index = SealedIndex.open(storage, indexPath, summary.segment(), n);
    }

    String describe() {
      return "stream '" + spec.name() + "' segment " + segment.fileName();
    }
  }

  // ---- reads ----

  long endOffset(int p) {
    return durableEnd.get(p);
  }

  void publishDurable(int p, long end) {
    if (end > durableEnd.get(p)) {
      durableEnd.set(p, end);
      CompletableFuture<Void> waiting = appended.getAndSet(p, new CompletableFuture<>());
      waiting.complete(null);
    }
  }

  CompletableFuture<Void> awaitRecord(int p, long offset) {
    CompletableFuture<Void> next = appended.get(p);
    if (durableEnd.get(p) > offset) {
      return CompletableFuture.completedFuture(null);
    }
    return next.thenCompose(ignored -> awaitRecord(p, offset));
  }

  List<Record> read(int p, long from, int maxRecords) {
    List<Record> out = new ArrayList<>((int) Math.min(maxRecords, 1024));
    visit(p, from, maxRecords, record -> out.add(record.record()));
    return out;
  }

  /**
   * Visits up to {@code maxRecords} records from {@code from} in place, through one cursor over the
   * verified batches; returns how many.
   */
  int visit(int p, long from, int maxRecords, Consumer<RecordView> visitor) {
    if (p < 0 || p >= spec.partitions()) {
      throw new LogException(
          ErrorCode.UNKNOWN_PARTITION,
          "stream '" + spec.name() + "' has partitions 0.." + (spec.partitions() - 1) + ", not " + p);
    }
    if (from < 0) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "offset must not be negative, got " + from);
    }
    long end = durableEnd.get(p);
    if (corruptFrom[p] >= 0) {
      if (from >= corruptFrom[p]) {
        throw new LogException(ErrorCode.CORRUPT_PARTITION, corruptReason[p]);
      }
      end = Math.min(end, corruptFrom[p]);
    }
    if (from >= end) {
      return 0; // also keeps end - from from overflowing for offsets near Long.MAX_VALUE
    }
    int wanted = (int) Math.min(maxRecords, end - from);
    if (wanted <= 0) {
      return 0;
    }
    List<Segment> all = segments;
    int s = segmentFor(all, p, from);
    long next = from;
    RecordCursor cursor = new RecordCursor();
    try {
      while (next - from < wanted && s < all.size()) {
        Segment segment = all.get(s);
        PositionIndex index = segment.index;
        long base = segment.header.baseOffsets()[p];
        int n = (int) Math.min(wanted - (next - from), base + index.count(p) - next);
        if (n <= 0) {
          s++;
          continue;
        }
        int[] positions = new int[n];
        index.positions(p, next - base, positions, n);
        next = visitRecords(segment, p, next, positions, cursor, visitor);
        s++;
      }
    } catch (IOException e) {
      throw new LogException(
          ErrorCode.LOG_FAILED, "reading stream '" + spec.name() + "' partition " + p + ": " + e.getMessage(), e);
    }
    return (int) (next - from);
  }

  /** Visits the records at {@code positions} (one per offset from {@code first}); returns the next offset. */
  private long visitRecords(Segment segment, int p, long first, int[] positions, RecordCursor cursor, Consumer<RecordView> visitor)
      throws IOException {
    long next = first;
    long limit = segment.size;
    int i = 0;
    while (i < positions.length) {
      int position = positions[i];
      RecentBatches.Kept kept = recentBatches.get(segment, position);
      if (kept == null) {
        try {
          kept = RecentBatches.Kept.of(segment.readChecksummedBatch(position, limit), spec.partitions());
        } catch (Segment.Damaged d) {
          throw damagedAt(segment, position, p, next, d.getMessage());
        } catch (Varints.Malformed m) {
          throw damagedAt(segment, position, p, next, m.getMessage()); // says what, as Segment.readBatch would
        }
        recentBatches.put(segment, position, kept);
      }
      BatchReader reader = BatchReader.over(kept.batch());
      // Only this partition's records: the batch's index says where they start.
      int[] starts = kept.starts();
      int k = kept.from()[p];
      int end = kept.from()[p + 1];
      while (i < positions.length && positions[i] == position && k < end) {
        try {
          reader.at(starts[k++]);
          if (reader.offset() < next) {
            continue;
          }
          if (reader.offset() != next) {
            throw damagedAt(segment, position, p, next, "the index points to a batch without this offset");
          }
          cursor.at(reader);
        } catch (Varints.Malformed m) {
          throw damagedAt(segment, position, p, next, "malformed record: " + m.getMessage());
        }
        visitor.accept(cursor);
        next++;
        i++;
      }
      if (i < positions.length && positions[i] == position) {
        throw damagedAt(segment, position, p, next, "the index points to a batch without this offset");
      }
    }
    return next;
  }

  private LogException damagedAt(Segment segment, long position, int p, long offset, String reason) {
    return new LogException(ErrorCode.CORRUPT_PARTITION, describe(segment.path, position, p, offset, reason));
  }

  private static int segmentFor(List<Segment> all, int p, long offset) {
    int lo = 0;
    int hi = all.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (all.get(mid).header.baseOffsets()[p] <= offset) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    // Segments without records of p share a base: the first one holding the offset is further on.
    while (lo > 0 && all.get(lo - 1).header.baseOffsets()[p] == all.get(lo).header.baseOffsets()[p]) {
      lo--;
    }
    return lo;
  }

  long sizeBytes() {
    long total = 0;
    for (Segment segment : segments) {
      total += segment.size;
    }
    return total;
  }

  // ---- metadata ----

  private static byte[] metaJson(StreamSpec spec, long createdMs) throws IOException {
    ObjectNode node = JSON.createObjectNode();
    node.put("name", spec.name());
    node.put("kind", spec.kind().name());
    node.put("key", spec.keyField());
    node.put("partitions", spec.partitions());
    node.put("created_ms", createdMs);
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
  }

  private static StreamSpec readMeta(Storage storage, Path dir) throws IOException {
    var node = JSON.readTree(storage.readAll(dir.resolve(LogFormat.META_FILE)));
    return new StreamSpec(
        node.get("name").asText(),
        StreamKind.valueOf(node.get("kind").asText()),
        node.get("key").isNull() ? null : node.get("key").asText(),
        node.get("partitions").asInt());
  }

  @Override
  public void close() {
    for (Segment segment : segments) {
      try {
        segment.close();
      } catch (IOException e) {
        // Closing read handles of a log being shut down: nothing left to protect.
      }
    }
  }
}
