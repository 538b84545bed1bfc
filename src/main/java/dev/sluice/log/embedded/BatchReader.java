package dev.sluice.log.embedded;

import dev.sluice.log.Record;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads one batch (docs/log-format.md §2, §3). A batch is checked whole — length, CRC32C, magic,
 * and that its records parse to exactly their declared sizes and count — before any record of it is
 * handed out, so a reader never sees a byte that failed its checksum.
 */
final class BatchReader {
  private final ByteBuffer body;
  /**
   * The body's backing array, where records are decoded: with positions kept in locals rather than
   * in the buffer, reading a record's head costs a few array loads. Every batch is read into a heap
   * buffer of its own ({@link Segment#readBatch}, the audit's) or written into one ({@link
   * BatchWriter}), so the array is there.
   */
  private final byte[] bytes;
  /** Where the body starts in {@link #bytes}: positions in the body plus this are indexes there. */
  private final int base;
  /** Where the body ends, as a position in the body: nothing at or past it is read. */
  private final int limit;
  private final long appendTimeMs;
  private int recordsLeft;
  private int recordEnd;
  /** Where the current record starts: its size. */
  private int recordStart;
  /** Where the current record's content starts: after its offset. */
  private int contentStart;
  private int partition;
  private long offset;

  private BatchReader(ByteBuffer body) {
    this.body = body;
    this.bytes = body.array();
    this.base = body.arrayOffset();
    this.limit = body.limit();
    body.position(1 + 1);
    this.appendTimeMs = body.getLong();
    this.recordsLeft = body.getInt();
    this.recordEnd = body.position();
  }

  /**
   * Checks a whole batch, prefix included ({@code batch} holds exactly its bytes); returns null if it
   * is sound, else what is wrong with it. {@code batch} is a heap buffer, not read-only: its records
   * are decoded from its array ({@link #bytes}).
   */
  static String verify(ByteBuffer batch) {
    String problem = verifyChecksum(batch);
    if (problem != null) {
      return problem;
    }
    try {
      walk(batch, NO_VISIT);
      return null;
    } catch (Varints.Malformed e) {
      return e.getMessage();
    }
  }

  /**
   * The part of {@link #verify} that checks the batch's length and CRC, not its records: for a
   * reader that {@link #walk}s the records next anyway. Null if they are sound, else what is wrong.
   */
  static String verifyChecksum(ByteBuffer batch) {
    if (batch.remaining() < LogFormat.BATCH_PREFIX_BYTES + LogFormat.BATCH_BODY_HEADER_BYTES) {
      return "batch shorter than its header";
    }
    int length = batch.getInt(batch.position());
    if (length != batch.remaining() - 4) {
      return "batch length " + length + " does not match its " + (batch.remaining() - 4) + " bytes";
    }
    int expected = batch.getInt(batch.position() + 4);
    CRC32C crc = new CRC32C();
    crc.update(batch.duplicate().position(batch.position() + LogFormat.BATCH_PREFIX_BYTES));
    return (int) crc.getValue() != expected ? "CRC32C mismatch" : null;
  }

  /** Told of each record {@link #walk} passes: its partition and where it starts in the body. */
  @FunctionalInterface
  interface Visit {
    void record(int partition, int start);
  }

  private static final Visit NO_VISIT = (partition, start) -> { };

  /**
   * Walks the records of a batch whose checksum {@link #verifyChecksum} accepted, checking its
   * structure — record sizes must tile the body exactly, as many records as it says — and telling
   * {@code visit} of each record. A mismatch here means a writer bug; the fields themselves are
   * checked as they are decoded.
   *
   * @throws Varints.Malformed naming what is wrong, as {@link #verify} says it
   */
  static void walk(ByteBuffer checksummedBatch, Visit visit) {
    ByteBuffer body = checksummedBatch.duplicate().position(checksummedBatch.position() + LogFormat.BATCH_PREFIX_BYTES).slice();
    if (body.get(0) != LogFormat.BATCH_MAGIC) {
      throw new Varints.Malformed("bad batch magic");
    }
    if (declaredRecords(checksummedBatch) < 0) {
      throw new Varints.Malformed("negative record count");
    }
    BatchReader reader = new BatchReader(body);
    while (true) {
      try {
        if (!reader.next()) {
          break;
        }
      } catch (Varints.Malformed | IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
        throw new Varints.Malformed("malformed record: " + e.getMessage());
      }
      visit.record(reader.partition, reader.recordStart);
    }
    if (reader.recordEnd != body.limit()) {
      throw new Varints.Malformed("records do not fill the batch");
    }
  }

  /** How many records a batch whose checksum {@link #verifyChecksum} accepted says it holds. */
  static int declaredRecords(ByteBuffer checksummedBatch) {
    return checksummedBatch.getInt(checksummedBatch.position() + LogFormat.BATCH_PREFIX_BYTES + 1 + 1 + 8);
  }

  /** A reader over the body of a batch that {@link #verify} accepted (a heap buffer, as there). */
  static BatchReader over(ByteBuffer verifiedBatch) {
    ByteBuffer body = verifiedBatch.duplicate().position(verifiedBatch.position() + LogFormat.BATCH_PREFIX_BYTES).slice();
    return new BatchReader(body);
  }

  long appendTimeMs() {
    return appendTimeMs;
  }

  /** Moves to the next record; reads only its partition and offset. */
  boolean next() {
    if (recordsLeft == 0) {
      return false;
    }
    recordsLeft--;
    head(recordEnd);
    return true;
  }

  /**
   * Moves to the record at {@code start} in the body (one {@link #recordStart} gave), reading its
   * partition and offset as {@link #next} does. A reader moved this way answers for the record it
   * is at, not for what follows: it has no next.
   */
  void at(int start) {
    if (start < 0 || start > limit) {
      throw new IllegalArgumentException("record start " + start + " outside the batch body of " + limit + " bytes");
    }
    recordsLeft = 0;
    head(start);
  }

  /**
   * Reads the head of the record at {@code start}: its size, partition and offset. Varints and sizes
   * are checked against the end of the body, as a buffer's remaining bytes would be.
   */
  private void head(int start) {
    byte[] b = bytes;
    int end = base + limit;
    recordStart = start;
    long r = Varints.getInt(b, base + start, end);
    int size = (int) r;
    int i = (int) (r >>> 32);
    if (size > end - i) {
      throw new Varints.Malformed("record runs past the batch");
    }
    recordEnd = i + size - base;
    r = Varints.getInt(b, i, end);
    partition = (int) r;
    i = (int) (r >>> 32);
    offset = Varints.getLong(b, i, end);
    contentStart = Varints.skip(b, i) - base;
  }

  /** Records after the current one. */
  int recordsLeft() {
    return recordsLeft;
  }

  int partition() {
    return partition;
  }

  long offset() {
    return offset;
  }

  /** Where the current record starts in the body: its size. */
  int recordStart() {
    return recordStart;
  }

  /** Where the current record's content starts: its flags, after its partition and offset. */
  int contentStart() {
    return contentStart;
  }

  /** Where the current record ends. */
  int recordEnd() {
    return recordEnd;
  }

  /** The current record, whole, with what verification needs. */
  Stored decode() {
    RecordCursor cursor = new RecordCursor().at(this);
    return new Stored(cursor.record(), cursor.idGenerated(), cursor.chain(), cursor.contentFrom(), cursor.contentLength());
  }

  /** The bytes a chain hash covers, for verification: see {@link Chains}. */
  ByteBuffer body() {
    return body;
  }

  /** The body's backing array: body position {@code x} is at {@code array()[arrayOffset() + x]}. */
  byte[] array() {
    return bytes;
  }

  int arrayOffset() {
    return base;
  }

  /** Where the body ends: no field of a record reaches past it. */
  int limit() {
    return limit;
  }

  /** A decoded record with what verification needs. */
  record Stored(Record record, boolean idGenerated, byte[] chain, int contentFrom, int contentLength) {
    boolean chainMatches(byte[] previousChain, ByteBuffer body) {
      byte[] content = new byte[contentLength];
      body.get(contentFrom, content);
      byte[] digest = Chains.digest(content, 0, contentLength);
      return Arrays.equals(chain, Chains.next(previousChain, record.partition(), record.offset(), digest));
    }
  }
}
