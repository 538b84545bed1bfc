package dev.sluice.log.embedded;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Encodes one batch (docs/log-format.md §2, §3) into a reusable buffer. One instance per writing
 * thread: it owns the buffer.
 */
final class BatchWriter {
  private ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
  private final CRC32C crc = new CRC32C();
  private int count;

  void begin(long appendTimeMs) {
    buffer.clear();
    buffer.position(LogFormat.BATCH_PREFIX_BYTES);
    buffer.put(LogFormat.BATCH_MAGIC);
    buffer.put((byte) 0);
    buffer.putLong(appendTimeMs);
    buffer.putInt(0); // record count, filled in by finish()
    count = 0;
  }

  /**
   * Appends event {@code i} of {@code events} as one record; {@code chain} holds its partition's
   * previous chain hash and is advanced to this record's. The content was laid out by the appending
   * thread ({@link EncodedEvents}): here it is copied in one piece.
   */
  void add(int partition, long offset, EncodedEvents events, int i, byte[] chain) {
    int contentBytes = events.contentBytes(i);
    int fieldsLength = Varints.sizeOfInt(partition) + Varints.sizeOfLong(offset) + contentBytes + LogFormat.CHAIN_BYTES;
    ensure(5 + fieldsLength);
    byte[] bytes = buffer.array();
    int at = Varints.putInt(bytes, buffer.position(), fieldsLength);
    int fieldsStart = at;
    at = Varints.putLong(bytes, Varints.putInt(bytes, at, partition), offset);
    System.arraycopy(events.contents(), events.contentStart(i), bytes, at, contentBytes);
    at += contentBytes;
    Chains.advance(chain, partition, offset, events.digestHigh(i), events.digestLow(i));
    System.arraycopy(chain, 0, bytes, at, LogFormat.CHAIN_BYTES);
    at += LogFormat.CHAIN_BYTES;
    assert at - fieldsStart == fieldsLength : "record size computed wrongly";
    buffer.position(at);
    count++;
  }

  int count() {
    return count;
  }

  /** Fills in count, length and CRC; returns the whole batch ready to append. */
  ByteBuffer finish() {
    int end = buffer.position();
    buffer.putInt(LogFormat.BATCH_PREFIX_BYTES + 1 + 1 + 8, count);
    crc.reset();
    crc.update(buffer.array(), LogFormat.BATCH_PREFIX_BYTES, end - LogFormat.BATCH_PREFIX_BYTES);
    buffer.putInt(0, end - 4);
    buffer.putInt(4, (int) crc.getValue());
    // Assert before the bytes leave: the batch must read back as what was meant.
    assert BatchReader.verify(ByteBuffer.wrap(buffer.array(), 0, end).slice()) == null;
    ByteBuffer out = buffer.duplicate();
    out.position(0).limit(end);
    return out;
  }

  private void ensure(int more) {
    if (buffer.remaining() < more) {
      int capacity = buffer.capacity();
      while (capacity - buffer.position() < more) {
        capacity *= 2;
      }
      ByteBuffer bigger = ByteBuffer.allocate(capacity);
      buffer.flip();
      bigger.put(buffer);
      buffer = bigger;
    }
  }
}
