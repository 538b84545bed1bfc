package dev.sluice.log.embedded;

import dev.sluice.log.Event;
import dev.sluice.log.Partitioner;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The events of one append request prepared for the writer, before they have positions: each
 * event's record content — its bytes from {@code flags} through the end of {@code value}
 * (docs/log-format.md §3) — laid out once, with its partition and content digest. The appending
 * thread makes it, so that the sequencer, which must work serially, only puts size, partition and
 * offset before each content, copies it in one piece and chains one short hash per record.
 *
 * <p>The contents lie back to back in one array per request, not one per event: appends run at a
 * million events a second, and an object per event is garbage whose collection pauses them.
 */
final class EncodedEvents {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** Every event's content, event {@code i}'s from {@code starts[i]} to {@code starts[i + 1]}. */
  private final byte[] contents;
  private final int[] starts;
  private final int[] partitions;
  /** Event {@code i}'s content digest: {@code [2i]} its first 8 bytes, big-endian, {@code [2i + 1]} its next 8. */
  private final long[] digests;
  /** Each event's client id, or null when the log generates it; null as a whole when no event has one. */
  private final String[] ids;

  private EncodedEvents(byte[] contents, int[] starts, int[] partitions, long[] digests, String[] ids) {
    this.contents = contents;
    this.starts = starts;
    this.partitions = partitions;
    this.digests = digests;
    this.ids = ids;
  }

  /**
   * Lays out the events in an array from {@code arrays} (of at least the bytes asked, its content
   * arbitrary) and places each by its key among {@code partitionCount} ({@link Partitioner}).
   */
  static EncodedEvents of(List<Event> events, int partitionCount, long defaultTimeMs, IntFunction<byte[]> arrays) {
    int n = events.size();
    int[] starts = new int[n + 1];
    String[] ids = null;
    for (int i = 0; i < n; i++) {
      Event e = events.get(i);
      starts[i + 1] = Math.addExact(starts[i], contentBytes(e));
      if (e.id() != null) {
        if (ids == null) {
          ids = new String[n];
        }
        ids[i] = e.id();
      }
    }
    byte[] contents = arrays.apply(starts[n]);
    int[] partitions = new int[n];
    long[] digests = new long[2 * n];
    for (int i = 0; i < n; i++) {
      Event e = events.get(i);
      int at = starts[i];
      contents[at++] = (byte) ((e.id() == null ? LogFormat.FLAG_ID_GENERATED : 0) | (e.delete() ? LogFormat.FLAG_DELETE : 0));
      long timeMs = e.timeMs() != null ? e.timeMs() : defaultTimeMs;
      LONGS.set(contents, at, timeMs);
      at += 8;
      int keyLength = utf8Length(e.key());
      at = Varints.putInt(contents, at, keyLength);
      int keyAt = at;
      at = putUtf8(contents, at, e.key(), keyLength);
      partitions[i] = Partitioner.partition(contents, keyAt, keyLength, partitionCount);
      at = e.id() == null ? Varints.putInt(contents, at, 0) : putString(contents, at, e.id());
      at = Varints.putInt(contents, at, e.causes().size());
      for (String cause : e.causes()) {
        at = putString(contents, at, cause);
      }
      at = Varints.putInt(contents, at, e.value().length);
      System.arraycopy(e.value(), 0, contents, at, e.value().length);
      at += e.value().length;
      // Not an assert: the sequencer copies starts[i]..starts[i + 1], so a wrong size would write
      // another event's bytes into this record.
      if (at != starts[i + 1]) {
        throw new IllegalStateException("content size computed wrongly");
      }
      digests[2 * i] = Chains.digestHigh(contents, starts[i], at - starts[i]);
      digests[2 * i + 1] = Chains.digestLow();
    }
    return new EncodedEvents(contents, starts, partitions, digests, ids);
  }

  int size() {
    return partitions.length;
  }

  int partition(int i) {
    return partitions[i];
  }

  /** Event {@code i}'s client id, or null when the log generates it. */
  String id(int i) {
    return ids == null ? null : ids[i];
  }

  /**
   * The array holding every event's content; event {@code i}'s is at {@link #contentStart}. It may
   * be longer than the contents.
   */
  byte[] contents() {
    return contents;
  }

  int contentStart(int i) {
    return starts[i];
  }

  int contentBytes(int i) {
    return starts[i + 1] - starts[i];
  }

  long digestHigh(int i) {
    return digests[2 * i];
  }

  long digestLow(int i) {
    return digests[2 * i + 1];
  }

  /** Bytes of the content: flags through value. */
  private static int contentBytes(Event e) {
    int keyLength = utf8Length(e.key());
    int size = 1 + 8 + Varints.sizeOfInt(keyLength) + keyLength
        + (e.id() == null ? 1 : stringBytes(e.id()))
        + Varints.sizeOfInt(e.causes().size())
        + Varints.sizeOfInt(e.value().length) + e.value().length;
    for (String cause : e.causes()) {
      size += stringBytes(cause);
    }
    return size;
  }

  /** Bytes of a §3 {@code string}: its length as a varint, then its UTF-8. */
  private static int stringBytes(String s) {
    int length = utf8Length(s);
    return Varints.sizeOfInt(length) + length;
  }

  private static int putString(byte[] b, int at, String s) {
    int length = utf8Length(s);
    return putUtf8(b, Varints.putInt(b, at, length), s, length);
  }

  /**
   * Puts the UTF-8 of {@code s}, {@code length} bytes ({@link #utf8Length}), at {@code at}; returns
   * the position after it. ASCII, which most keys and ids are, is copied char by char; anything
   * else goes through {@link String#getBytes}, whose bytes the log has always written.
   */
  private static int putUtf8(byte[] b, int at, String s, int length) {
    boolean ascii = length == s.length();
    for (int i = 0; ascii && i < length; i++) {
      char c = s.charAt(i);
      ascii = c < 0x80;
      b[at + i] = (byte) c;
    }
    if (ascii) {
      return at + length;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    if (utf8.length != length) {
      throw new IllegalStateException("content size computed wrongly");
    }
    System.arraycopy(utf8, 0, b, at, length);
    return at + length;
  }

  /**
   * The length of {@code s}'s UTF-8 as {@link String#getBytes} encodes it, without encoding it: a
   * lone surrogate becomes one byte ({@code '?'}), a surrogate pair four.
   */
  private static int utf8Length(String s) {
    int length = s.length();
    int bytes = length;
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        continue;
      }
      if (c < 0x800) {
        bytes += 1;
      } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 2; // four bytes for two chars
        i++;
      } else if (!Character.isSurrogate(c)) {
        bytes += 2;
      }
    }
    return bytes;
  }
}
