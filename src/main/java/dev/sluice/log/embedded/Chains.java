package dev.sluice.log.embedded;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hash chain of a partition (docs/log-format.md §3): each record's chain is the first 16 bytes
 * of SHA-256(previous chain ‖ the record's bytes from its partition field to the end of its value).
 * The first record of a partition chains to 16 zero bytes. Rewriting any record changes every chain
 * after it, which the audit ({@code sluice verify}) detects.
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

  static byte[] next(byte[] previous, byte[] bytes, int from, int length) {
    MessageDigest sha = SHA256.get();
    sha.update(previous);
    sha.update(bytes, from, length);
    byte[] full = sha.digest();
    byte[] chain = new byte[LogFormat.CHAIN_BYTES];
    System.arraycopy(full, 0, chain, 0, LogFormat.CHAIN_BYTES);
    return chain;
  }
}
