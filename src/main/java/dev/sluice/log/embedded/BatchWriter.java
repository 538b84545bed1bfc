package dev.sluice.log.embedded;

import dev.sluice.log.Event;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Encodes one batch (docs/log-format.md §2, §3) into a reusable buffer. One instance per writing
 * thread: it owns a SHA-256 digest and the buffer.
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
   * Appends one record and returns its chain hash, computed from {@code previousChain}.
   *
   * @param id the client's id, or null when the id is generated from the position
   */
  byte[] add(int partition, long offset, Event event, String id, long timeMs, byte[] previousChain) {
    byte[] key = event.key().getBytes(StandardCharsets.UTF_8);
    byte[] idBytes = id == null ? null : id.getBytes(StandardCharsets.UTF_8);
    int flags = (id == null ? LogFormat.FLAG_ID_GENERATED : 0) | (event.delete() ? LogFormat.FLAG_DELETE : 0);
    int worst = 5 + 5 + 10 + 1 + 8 + 5 + key.length + 5 + (idBytes == null ? 0 : idBytes.length) + 5
        + 5 + event.value().length + LogFormat.CHAIN_BYTES;
    for (String cause : event.causes()) {
      worst += 5 + cause.length() * 3;
    }
    ensure(worst + 5);
    // The size prefix is written after the body, so reserve its worst case and move the body if shorter.
    int sizeAt = buffer.position();
    buffer.position(sizeAt + 5);
    int bodyStart = buffer.position();
    Varints.putInt(buffer, partition);
    Varints.putLong(buffer, offset);
    buffer.put((byte) flags);
    buffer.putLong(timeMs);
    Varints.putInt(buffer, key.length);
    buffer.put(key);
    if (idBytes == null) {
      Varints.putInt(buffer, 0);
    } else {
      Varints.putInt(buffer, idBytes.length);
      buffer.put(idBytes);
    }
    Varints.putInt(buffer, event.causes().size());
    for (String cause : event.causes()) {
      byte[] c = cause.getBytes(StandardCharsets.UTF_8);
      Varints.putInt(buffer, c.length);
      buffer.put(c);
    }
    Varints.putInt(buffer, event.value().length);
    buffer.put(event.value());
    int chainedEnd = buffer.position();
    byte[] chain = Chains.next(previousChain, buffer.array(), bodyStart, chainedEnd - bodyStart);
    buffer.put(chain);
    int bodyLength = buffer.position() - bodyStart;
    int sizeLength = Varints.sizeOfInt(bodyLength);
    if (sizeLength < 5) {
      System.arraycopy(buffer.array(), bodyStart, buffer.array(), sizeAt + sizeLength, bodyLength);
    }
    buffer.position(sizeAt);
    Varints.putInt(buffer, bodyLength);
    buffer.position(sizeAt + sizeLength + bodyLength);
    count++;
    return chain;
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
