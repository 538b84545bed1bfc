package dev.sluice.log.embedded;

import dev.sluice.log.Event;
import dev.sluice.log.Partitioner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An event encoded, before it has a position: the record bytes from {@code flags} through the end
 * of {@code value} (docs/log-format.md §3) and their content digest. The appending thread makes it,
 * so that the writer thread, which must work serially, only prefixes partition and offset and
 * chains one short hash per record.
 *
 * @param id the client's id, or null when the log generates it
 */
record EncodedEvent(int partition, String id, byte[] content, byte[] digest) {

  /** Encodes the event and places it by its key among {@code partitions} ({@link Partitioner}). */
  static EncodedEvent of(Event event, int partitions, long defaultTimeMs) {
    String keyText = event.key();
    // Most keys are ASCII: copied char by char, they need no intermediate array.
    byte[] key = isAscii(keyText) ? null : keyText.getBytes(StandardCharsets.UTF_8);
    int keyLength = key == null ? keyText.length() : key.length;
    byte[] id = event.id() == null ? null : event.id().getBytes(StandardCharsets.UTF_8);
    byte[][] causes = new byte[event.causes().size()][];
    int size = 1 + 8 + Varints.sizeOfInt(keyLength) + keyLength
        + (id == null ? 1 : Varints.sizeOfInt(id.length) + id.length)
        + Varints.sizeOfInt(causes.length)
        + Varints.sizeOfInt(event.value().length) + event.value().length;
    for (int i = 0; i < causes.length; i++) {
      causes[i] = event.causes().get(i).getBytes(StandardCharsets.UTF_8);
      size += Varints.sizeOfInt(causes[i].length) + causes[i].length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    int flags = (id == null ? LogFormat.FLAG_ID_GENERATED : 0) | (event.delete() ? LogFormat.FLAG_DELETE : 0);
    b.put((byte) flags);
    b.putLong(event.timeMs() != null ? event.timeMs() : defaultTimeMs);
    Varints.putInt(b, keyLength);
    int keyAt = b.position();
    if (key == null) {
      for (int i = 0; i < keyLength; i++) {
        b.put((byte) keyText.charAt(i));
      }
    } else {
      b.put(key);
    }
    if (id == null) {
      Varints.putInt(b, 0);
    } else {
      Varints.putInt(b, id.length);
      b.put(id);
    }
    Varints.putInt(b, causes.length);
    for (byte[] cause : causes) {
      Varints.putInt(b, cause.length);
      b.put(cause);
    }
    Varints.putInt(b, event.value().length);
    b.put(event.value());
    assert !b.hasRemaining() : "size computed wrongly";
    byte[] content = b.array();
    int partition = Partitioner.partition(content, keyAt, keyLength, partitions);
    return new EncodedEvent(partition, event.id(), content, Chains.digest(content, 0, content.length));
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
