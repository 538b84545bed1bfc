package dev.sluice.log.embedded;

import dev.sluice.log.Event;
import dev.sluice.log.Partitioner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An event prepared for the writer, before it has a position: its partition, the content digest
 * of its record bytes from {@code flags} through the end of {@code value} (docs/log-format.md §3),
 * and what the writer needs to write those bytes. The appending thread makes it, so that the writer
 * thread, which must work serially, only copies the fields and chains one short hash per record.
 *
 * <p>The content is hashed field by field and written straight into the batch: appends run at a
 * million records a second, and a materialized copy of every record would be most of the garbage
 * whose collection pauses them.
 *
 * @param id the client's id, or null when the log generates it
 * @param key the key's UTF-8 bytes
 * @param idBytes the id's UTF-8 bytes, or null
 * @param causes each cause's UTF-8 bytes
 * @param digestHigh the content digest's first 8 bytes, big-endian ({@link Chains#digestHigh})
 * @param digestLow its next 8
 */
record EncodedEvent(
    int partition, String id, int flags, long timeMs, byte[] key, byte[] idBytes, byte[][] causes, byte[] value, long digestHigh, long digestLow) {

  /** Prepares the event and places it by its key among {@code partitions} ({@link Partitioner}). */
  static EncodedEvent of(Event event, int partitions, long defaultTimeMs) {
    byte[] key = event.key().getBytes(StandardCharsets.UTF_8);
    byte[] id = event.id() == null ? null : event.id().getBytes(StandardCharsets.UTF_8);
    byte[][] causes = event.causes().isEmpty() ? NO_CAUSES : new byte[event.causes().size()][];
    for (int i = 0; i < causes.length; i++) {
      causes[i] = event.causes().get(i).getBytes(StandardCharsets.UTF_8);
    }
    int flags = (id == null ? LogFormat.FLAG_ID_GENERATED : 0) | (event.delete() ? LogFormat.FLAG_DELETE : 0);
    long timeMs = event.timeMs() != null ? event.timeMs() : defaultTimeMs;
    int partition = Partitioner.partition(key, 0, key.length, partitions);
    byte[] value = event.value();
    int size = contentBytes(key, id, causes, value);
    ByteBuffer scratch = SCRATCH.get();
    if (scratch.capacity() < size) {
      scratch = ByteBuffer.allocate(Math.max(size, scratch.capacity() * 2));
      SCRATCH.set(scratch);
    }
    scratch.clear();
    writeContent(scratch, flags, timeMs, key, id, causes, value);
    long digestHigh = Chains.digestHigh(scratch.array(), 0, size);
    return new EncodedEvent(partition, event.id(), flags, timeMs, key, id, causes, value, digestHigh, Chains.digestLow());
  }

  private static final byte[][] NO_CAUSES = new byte[0][];

  /** Per appending thread: the content laid out once to be hashed, then reused. */
  private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(4096));

  int contentBytes() {
    return contentBytes(key, idBytes, causes, value);
  }

  void writeContent(ByteBuffer out) {
    writeContent(out, flags, timeMs, key, idBytes, causes, value);
  }

  /** Bytes of the content: flags through value. */
  private static int contentBytes(byte[] key, byte[] idBytes, byte[][] causes, byte[] value) {
    int size = 1 + 8 + Varints.sizeOfInt(key.length) + key.length
        + (idBytes == null ? 1 : Varints.sizeOfInt(idBytes.length) + idBytes.length)
        + Varints.sizeOfInt(causes.length)
        + Varints.sizeOfInt(value.length) + value.length;
    for (byte[] cause : causes) {
      size += Varints.sizeOfInt(cause.length) + cause.length;
    }
    return size;
  }

  /** Writes the content; {@code out} has {@link #contentBytes()} bytes left. */
  private static void writeContent(
      ByteBuffer out, int flags, long timeMs, byte[] key, byte[] idBytes, byte[][] causes, byte[] value) {
    out.put((byte) flags);
    out.putLong(timeMs);
    Varints.putInt(out, key.length);
    out.put(key);
    if (idBytes == null) {
      Varints.putInt(out, 0);
    } else {
      Varints.putInt(out, idBytes.length);
      out.put(idBytes);
    }
    Varints.putInt(out, causes.length);
    for (byte[] cause : causes) {
      Varints.putInt(out, cause.length);
      out.put(cause);
    }
    Varints.putInt(out, value.length);
    out.put(value);
  }
}
