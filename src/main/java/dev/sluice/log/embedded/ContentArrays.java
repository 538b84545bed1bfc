package dev.sluice.log.embedded;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * The arrays that hold append requests' record contents ({@link EncodedEvents}), used again: the
 * sequencer gives a request's array back once it has copied the contents into the batch, and the
 * next appending thread lays out its request there. A fresh array per request was about 55 bytes
 * more garbage per appended event than the log made before the contents were laid out by the
 * appending threads (docs/benchmarks.md), at a million events a second.
 */
final class ContentArrays {
  /** Arrays kept for reuse; beyond it, given-back arrays are left to the collector. */
  static final int KEPT_MAX = 64;
  /** Larger arrays are not kept: the kept ones stay within {@code KEPT_MAX × ARRAY_BYTES_MAX} (16 MiB). */
  static final int ARRAY_BYTES_MAX = 256 * 1024;
  /** New arrays are at least this large and a power of two, so that kept ones fit most requests. */
  private static final int ARRAY_BYTES_MIN = 16 * 1024;

  private final ArrayBlockingQueue<byte[]> kept = new ArrayBlockingQueue<>(KEPT_MAX);

  /** An array of at least {@code bytes} bytes, whose content is arbitrary. */
  byte[] take(int bytes) {
    byte[] array = kept.poll();
    if (array != null && array.length >= bytes) {
      return array;
    }
    // A kept array too small for this request is dropped: the next ones are made large enough.
    return new byte[bytes <= ARRAY_BYTES_MAX ? Math.max(ARRAY_BYTES_MIN, Integer.highestOneBit(bytes - 1) << 1) : bytes];
  }

  /** Takes back an array whose contents nobody reads any more. */
  void giveBack(byte[] array) {
    if (array.length <= ARRAY_BYTES_MAX) {
      kept.offer(array);
    }
  }
}
