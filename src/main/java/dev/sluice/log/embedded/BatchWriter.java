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
   * Appends one record; {@code chain} holds its partition's previous chain hash and is advanced to
   * this record's.
   */
  void add(int partition, long offset, EncodedEvent event, byte[] chain) {
    int contentBytes = event.contentBytes();
    int fieldsLength = Varints.sizeOfInt(partition) + Varints.sizeOfLong(offset) + contentBytes + LogFormat.CHAIN_BYTES;
    ensure(5 + fieldsLength);
    Varints.putInt(buffer, fieldsLength);
    Varints.putInt(buffer, partition);
    Varints.putLong(buffer, offset);
    int contentStart = buffer.position();
    event.writeContent(buffer);
    assert buffer.position() - contentStart == contentBytes : "content size computed wrongly";
    Chains.advance(chain, partition, offset, event.digestHigh(), event.digestLow());
    buffer.put(chain);
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
