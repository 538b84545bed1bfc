package dev.sluice.log.embedded;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

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

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java runtime has SHA-256", e);
            }
          });

  private Chains() {}

  /** First 16 bytes of SHA-256 of the content. */
  static byte[] digest(byte[] bytes, int from, int length) {
    MessageDigest sha = SHA256.get();
    sha.update(bytes, from, length);
    return truncate(sha.digest());
  }

  /** The chain hash of the record at (partition, offset) with the given content digest. */
  static byte[] next(byte[] previous, int partition, long offset, byte[] contentDigest) {
    MessageDigest sha = SHA256.get();
    sha.update(previous);
    byte[] position = new byte[15];
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(position);
    Varints.putInt(b, partition);
    Varints.putLong(b, offset);
    sha.update(position, 0, b.position());
    sha.update(contentDigest);
    return truncate(sha.digest());
  }

  private static byte[] truncate(byte[] full) {
    byte[] chain = new byte[LogFormat.CHAIN_BYTES];
    System.arraycopy(full, 0, chain, 0, LogFormat.CHAIN_BYTES);
    return chain;
  }
}
