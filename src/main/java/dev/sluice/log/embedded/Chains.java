package dev.sluice.log.embedded;

import java.nio.ByteBuffer;
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
    final ByteBuffer position = ByteBuffer.allocate(5 + 10);

    Scratch() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java runtime has SHA-256", e);
      }
    }

    byte[] finish() {
      try {
        sha.digest(full, 0, full.length);
      } catch (DigestException e) {
        throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
      }
      return Arrays.copyOf(full, LogFormat.CHAIN_BYTES);
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private Chains() {}

  /** First 16 bytes of SHA-256 of the content. */
  static byte[] digest(byte[] bytes, int from, int length) {
    Scratch s = SCRATCH.get();
    s.sha.update(bytes, from, length);
    return s.finish();
  }

  /** The chain hash of the record at (partition, offset) with the given content digest. */
  static byte[] next(byte[] previous, int partition, long offset, byte[] contentDigest) {
    Scratch s = SCRATCH.get();
    s.sha.update(previous);
    s.position.clear();
    Varints.putInt(s.position, partition);
    Varints.putLong(s.position, offset);
    s.sha.update(s.position.array(), 0, s.position.position());
    s.sha.update(contentDigest);
    return s.finish();
  }
}
