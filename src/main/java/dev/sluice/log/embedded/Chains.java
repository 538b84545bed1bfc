package dev.sluice.log.embedded;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The hash chain of a partition (docs/log-format.md §3): each record's chain is the first 16 bytes
 * of SHA-256(previous chain ‖ partition ‖ offset ‖ content digest), where the content digest is the
 * first 16 bytes of SHA-256 of the record's bytes from its flags to the end of its value. The first
 * record of a partition chains to 16 zero bytes. Rewriting any record changes every chain after it,
 * which the audit ({@code sluice verify}) detects. The two steps let appending threads compute the
 * digests in parallel while the writer thread chains one 64-byte SHA-256 block per record.
 */
final class Chains {
  static final byte[] GENESIS = new byte[LogFormat.CHAIN_BYTES];

  /**
   * Per thread: the digest and its scratch bytes. Appends run at a million records a second, so the
   * hashing allocates only the 16 bytes it returns; garbage here sets how often the collector pauses
   * appends (docs/benchmarks.md).
   */
  private static final class Scratch {
    final MessageDigest sha;
    final byte[] full = new byte[32];
    /**
     * What a chain step hashes, put together so that it is hashed in one update: the previous
     * chain, the partition and offset as varints, the content digest.
     */
    final byte[] input = new byte[LogFormat.CHAIN_BYTES + 5 + 10 + LogFormat.CHAIN_BYTES];

    Scratch() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java runtime has SHA-256", e);
      }
    }

    /** Completes the hash into {@link #full}. */
    void complete() {
      try {
        sha.digest(full, 0, full.length);
      } catch (DigestException e) {
        throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
      }
    }

    byte[] finish() {
      complete();
      return Arrays.copyOf(full, LogFormat.CHAIN_BYTES);
    }

    /**
     * Puts the previous chain, the partition and the offset into {@link #input}; returns where the
     * content digest goes there.
     */
    int chain(byte[] previous, int partition, long offset) {
      System.arraycopy(previous, 0, input, 0, LogFormat.CHAIN_BYTES);
      return Varints.putLong(input, Varints.putInt(input, LogFormat.CHAIN_BYTES, partition), offset);
    }
  }

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private Chains() {}

  /** First 16 bytes of SHA-256 of the content. */
  static byte[] digest(byte[] bytes, int from, int length) {
    Scratch s = SCRATCH.get();
    s.sha.update(bytes, from, length);
    return s.finish();
  }

  /**
   * The content digest as two longs, its first 8 bytes and its next 8 (big-endian): the writer's
   * way to carry a digest without an array per record.
   */
  static long digestHigh(byte[] bytes, int from, int length) {
    Scratch s = SCRATCH.get();
    s.sha.update(bytes, from, length);
    s.complete();
    return (long) LONGS.get(s.full, 0);
  }

  /** The second half of the digest {@link #digestHigh} just computed on this thread. */
  static long digestLow() {
    return (long) LONGS.get(SCRATCH.get().full, 8);
  }

  /** The chain hash of the record at (partition, offset) with the given content digest. */
  static byte[] next(byte[] previous, int partition, long offset, byte[] contentDigest) {
    Scratch s = SCRATCH.get();
    int at = s.chain(previous, partition, offset);
    System.arraycopy(contentDigest, 0, s.input, at, LogFormat.CHAIN_BYTES);
    s.sha.update(s.input, 0, at + LogFormat.CHAIN_BYTES);
    return s.finish();
  }

  /**
   * {@link #next}, in place: {@code chain} holds the previous record's chain and is overwritten with
   * this record's; the content digest comes as {@link #digestHigh} and {@link #digestLow} gave it.
   */
  static void advance(byte[] chain, int partition, long offset, long digestHigh, long digestLow) {
    Scratch s = SCRATCH.get();
    int at = s.chain(chain, partition, offset);
    LONGS.set(s.input, at, digestHigh);
    LONGS.set(s.input, at + 8, digestLow);
    s.sha.update(s.input, 0, at + LogFormat.CHAIN_BYTES);
    s.complete();
    System.arraycopy(s.full, 0, chain, 0, LogFormat.CHAIN_BYTES);
  }
}
