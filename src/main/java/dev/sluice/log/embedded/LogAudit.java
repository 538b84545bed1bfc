package dev.sluice.log.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The log half of {@code sluice verify}: reads every segment of every stream of a stopped data
 * folder, read-only, and checks every batch's CRC32C, every record's offset and every record's
 * chain hash (docs/log-format.md §2, §3), and that each segment's header continues the one before
 * it (§1). Unlike recovery (§6), which stops trusting a partition at its first damage, the audit
 * keeps going after each finding — resuming from the stored chain — so that one damaged record is
 * one finding, named by stream, partition, offset, segment file and byte position.
 */
public final class LogAudit {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One thing wrong in the log.
   *
   * @param partition -1 when the damage cannot be tied to a partition
   * @param offset -1 when the damage cannot be tied to an offset
   */
  public record Finding(String stream, int partition, long offset, String segment, long bytePosition, String problem) {
    public String describe() {
      StringBuilder text = new StringBuilder("log: stream '").append(stream).append('\'');
      if (partition >= 0) {
        text.append(" partition ").append(partition);
      }
      if (offset >= 0) {
        text.append(" offset ").append(offset);
      }
      text.append(" (segment ").append(segment);
      if (bytePosition >= 0) {
        text.append(", byte ").append(bytePosition);
      }
      return text.append("): ").append(problem).toString();
    }
  }

  /** What the audit read and what it found. */
  public record Result(int streams, int segments, long batches, long records, List<Finding> findings) {}

  private final List<Finding> findings = new ArrayList<>();
  private int segmentCount;
  private long batchCount;
  private long recordCount;

  private LogAudit() {}

  /** Audits the log in {@code dataDir} (the folder holding {@code streams/}). */
  public static Result run(Path dataDir) throws IOException {
    LogAudit audit = new LogAudit();
    Path streams = dataDir.resolve("streams");
    int streamCount = 0;
    for (Path dir : list(streams)) {
      if (Files.isDirectory(dir) && Files.exists(dir.resolve(LogFormat.META_FILE))) {
        audit.stream(dir);
        streamCount++;
      }
    }
    return new Result(streamCount, audit.segmentCount, audit.batchCount, audit.recordCount, List.copyOf(audit.findings));
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.sorted().toList();
    }
  }

  /** Per-partition expectations while one stream is walked. */
  private static final class Walk {
    final String stream;
    final long[] expected;
    final byte[][] chain;
    /** The partition lost its place in unreadable bytes: take the next record as it comes. */
    final boolean[] resync;

    Walk(String stream, int partitions) {
      this.stream = stream;
      this.expected = new long[partitions];
      this.chain = new byte[partitions][];
      Arrays.fill(chain, Chains.GENESIS);
      this.resync = new boolean[partitions];
    }
  }

  private void stream(Path dir) throws IOException {
    var meta = JSON.readTree(Files.readAllBytes(dir.resolve(LogFormat.META_FILE)));
    Walk walk = new Walk(meta.get("name").asText(), meta.get("partitions").asInt());
    for (Path file : list(dir)) {
      if (file.getFileName().toString().endsWith(LogFormat.SEGMENT_SUFFIX)) {
        segment(walk, file);
      }
    }
  }

  private void segment(Walk walk, Path path) throws IOException {
    segmentCount++;
    String name = path.getFileName().toString();
    long number = Long.parseLong(name.substring(0, name.length() - LogFormat.SEGMENT_SUFFIX.length()));
    int n = walk.expected.length;
    try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = file.size();
      ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, SegmentHeader.sizeFor(n)));
      readFully(file, head, 0);
      SegmentHeader header;
      try {
        header = SegmentHeader.decode(head.flip(), number);
        if (header.partitions() != n) {
          throw new SegmentHeader.FormatException("segment has " + header.partitions() + " partitions, the stream " + n);
        }
      } catch (SegmentHeader.FormatException e) {
        // A roll whose fsyncs the power cut leaves no more than a header's bytes (docs/log-format.md §6 step 3).
        String unfinished = size <= SegmentHeader.sizeFor(n)
            ? " (if it is the last segment and the machine lost power: a roll never made durable, nothing in it acknowledged;"
                + " opening the log removes it)"
            : "";
        findings.add(new Finding(walk.stream, -1, -1, name, 0, e.getMessage() + "; nothing in this segment can be checked" + unfinished));
        Arrays.fill(walk.resync, true);
        return;
      }
      for (int p = 0; p < n; p++) {
        boolean continues = header.baseOffsets()[p] == walk.expected[p] && Arrays.equals(header.baseChains()[p], walk.chain[p]);
        if (!continues && !walk.resync[p]) {
          findings.add(new Finding(walk.stream, p, header.baseOffsets()[p], name, 0,
              "the segment header does not continue the partition: it starts at offset " + header.baseOffsets()[p]
                  + " with chain " + hex(header.baseChains()[p]) + ", the previous segment ended at offset "
                  + walk.expected[p] + " with chain " + hex(walk.chain[p])));
        }
        walk.expected[p] = header.baseOffsets()[p];
        walk.chain[p] = header.baseChains()[p];
        walk.resync[p] = false;
      }
      long position = header.size();
      while (position < size) {
        long next = batch(walk, file, name, position, size);
        if (next < 0) {
          break;
        }
        position = next;
      }
    }
  }

  /** Checks the batch at {@code position}; returns where the next one starts, or -1 if unknowable. */
  private long batch(Walk walk, FileChannel file, String segment, long position, long size) throws IOException {
    boolean prefixed = size - position >= LogFormat.BATCH_PREFIX_BYTES;
    ByteBuffer prefix = ByteBuffer.allocate(4);
    if (prefixed) {
      readFully(file, prefix, position);
    }
    // Zero padding (§1) starts where a batch's length would be 0: only there is the rest read to tell.
    if ((!prefixed || prefix.getInt(0) == 0) && LogFormat.isPadding((dst, at) -> readFully(file, dst, at), position, size)) {
      return -1;
    }
    batchCount++;
    if (!prefixed) {
      findings.add(new Finding(walk.stream, -1, -1, segment, position,
          (size - position) + " bytes after the last batch: a torn write (never acknowledged) if the server was killed, else damage"));
      return -1;
    }
    int length = prefix.getInt(0);
    if (length < 4 + LogFormat.BATCH_BODY_HEADER_BYTES || length > LogFormat.BATCH_BYTES_MAX || position + 4 + length > size) {
      findings.add(new Finding(walk.stream, -1, -1, segment, position, "implausible batch length " + length
          + "; the rest of the segment (" + (size - position) + " bytes) cannot be read"
          + " (a torn write if this is the end of the last segment and the server was killed)"));
      Arrays.fill(walk.resync, true);
      return -1;
    }
    ByteBuffer batch = ByteBuffer.allocate(4 + length);
    readFully(file, batch, position);
    batch.flip();
    String problem = BatchReader.verify(batch);
    if (problem == null) {
      sound(walk, batch, segment, position);
    } else {
      unsound(walk, batch, segment, position, problem);
    }
    return position + 4 + length;
  }

  private void sound(Walk walk, ByteBuffer batch, String segment, long position) {
    BatchReader reader = BatchReader.over(batch);
    try {
      while (reader.next()) {
        recordCount++;
        int p = reader.partition();
        if (p >= walk.expected.length) {
          findings.add(new Finding(walk.stream, p, reader.offset(), segment, position,
              "a record for partition " + p + " in a stream of " + walk.expected.length));
          continue;
        }
        BatchReader.Stored stored = reader.decode();
        long offset = reader.offset();
        if (walk.resync[p]) {
          walk.resync[p] = false;
        } else if (offset != walk.expected[p]) {
          findings.add(new Finding(walk.stream, p, offset, segment, position,
              "offset " + offset + " where " + walk.expected[p] + " was expected (records missing or reordered)"));
        } else if (!stored.chainMatches(walk.chain[p], reader.body())) {
          findings.add(new Finding(walk.stream, p, offset, segment, position,
              "hash chain broken: the record's chain " + hex(stored.chain()) + " does not follow from the previous record's "
                  + hex(walk.chain[p]) + " and this record's content"));
        }
        walk.expected[p] = offset + 1;
        walk.chain[p] = stored.chain();
      }
    } catch (Varints.Malformed e) {
      findings.add(new Finding(walk.stream, -1, -1, segment, position, "malformed record: " + e.getMessage()));
    }
  }

  /**
   * A batch that fails its checks: each record that can still be parsed is named (it cannot be
   * trusted, but its partition and offset say what is affected); if none can, every partition's
   * next expected offset is.
   */
  private void unsound(Walk walk, ByteBuffer batch, String segment, long position, String problem) {
    String why = "the batch holding it fails verification (" + problem + ")";
    boolean named = false;
    try {
      BatchReader reader = BatchReader.over(batch);
      while (reader.next()) {
        int p = reader.partition();
        long offset = reader.offset();
        if (p < 0 || p >= walk.expected.length || offset != walk.expected[p]) {
          break; // the damage reaches the record headers: what follows is noise
        }
        BatchReader.Stored stored = reader.decode();
        recordCount++;
        findings.add(new Finding(walk.stream, p, offset, segment, position, why));
        walk.expected[p] = offset + 1;
        walk.chain[p] = stored.chain();
        named = true;
      }
    } catch (RuntimeException unparseable) {
      // Damage in the structure itself: what was named so far stands.
    }
    if (!named) {
      findings.add(new Finding(walk.stream, -1, -1, segment, position, "unreadable batch (" + problem
          + "); its records are lost, from the next expected offset of each partition it held"));
      Arrays.fill(walk.resync, true);
    }
  }

  private static void readFully(FileChannel file, ByteBuffer dst, long position) throws IOException {
    while (dst.hasRemaining()) {
      int n = file.read(dst, position + dst.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static String hex(byte[] bytes) {
    return java.util.HexFormat.of().formatHex(bytes, 0, 8);
  }
}
