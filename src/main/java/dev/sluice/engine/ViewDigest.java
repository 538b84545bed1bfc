package dev.sluice.engine;

import dev.sluice.log.Token;
import dev.sluice.stores.Space;
import java.util.Map;

/**
 * An order-independent digest of a view's rows: the sum, modulo 2^64, of a 64-bit hash of each row
 * (its key bytes and its JSON). A sum can be kept up to date change by change — subtract the old
 * row's hash, add the new one's — in the same commit that writes the rows, and it does not depend on
 * the order the rows were written in, so a view built incrementally and the same view recomputed
 * as a batch ({@code sluice verify}) have equal digests exactly when they hold equal rows (up to
 * hash collisions: the digest finds damage, it does not prove against an adversary).
 */
final class ViewDigest {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private long sum;

  /** A row changed under {@code key}: either JSON may be null (inserted, deleted). */
  void change(byte[] key, byte[] oldJson, byte[] newJson) {
    if (oldJson != null) {
      sum -= rowHash(key, oldJson);
    }
    if (newJson != null) {
      sum += rowHash(key, newJson);
    }
  }

  long value() {
    return sum;
  }

  void set(long value) {
    sum = value;
  }

  /** The digest of the rows stored in {@code space} now (row keys carry the {@link Keys#ROW} prefix). */
  static long of(Space space) {
    long[] total = {0};
    space.scan(new byte[] {Keys.ROW}, new byte[] {Keys.ROW + 1}, (key, value) -> {
      total[0] += rowHash(java.util.Arrays.copyOfRange(key, 1, key.length), value);
      return true;
    });
    return total[0];
  }

  /** FNV-1a over the key's length, the key and the JSON, then MurmurHash3's 64-bit finalizer. */
  static long rowHash(byte[] key, byte[] json) {
    long h = FNV_OFFSET;
    for (int shift = 24; shift >= 0; shift -= 8) {
      h = (h ^ ((key.length >>> shift) & 0xff)) * FNV_PRIME;
    }
    for (byte b : key) {
      h = (h ^ (b & 0xff)) * FNV_PRIME;
    }
    for (byte b : json) {
      h = (h ^ (b & 0xff)) * FNV_PRIME;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  static String hex(long digest) {
    return String.format("%016x", digest);
  }

  static long parse(String hex) {
    return Long.parseUnsignedLong(hex, 16);
  }

  /** A digest with the positions it covers, published after a commit for {@code /status}. */
  static DigestCheckpoint checkpoint(ViewDefinition d, long digest, long rows, Map<String, long[]> positions) {
    Token token = Token.empty();
    for (Map.Entry<String, long[]> e : positions.entrySet()) {
      token = token.merge(Token.ofEnds(e.getKey(), e.getValue()));
    }
    return new DigestCheckpoint(d.name(), d.version(), hex(digest), rows, token.encode(), System.currentTimeMillis());
  }
}
