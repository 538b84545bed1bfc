package dev.sluice.log;

import java.nio.charset.StandardCharsets;

/**
 * The stable key → partition mapping. It is Kafka's default (murmur2 of the key's UTF-8 bytes,
 * positive, modulo the partition count) so that a stream moved to the Kafka backend keeps every key
 * in the same partition.
 */
public final class Partitioner {
  private Partitioner() {}

  public static int partition(String key, int partitions) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    return partition(bytes, 0, bytes.length, partitions);
  }

  /** The partition of the key whose UTF-8 bytes are {@code data[offset, offset + length)}. */
  public static int partition(byte[] data, int offset, int length, int partitions) {
    return (murmur2(data, offset, length) & 0x7fffffff) % partitions;
  }

  static int murmur2(byte[] data) {
    return murmur2(data, 0, data.length);
  }

  private static int murmur2(byte[] data, int offset, int length) {
    int seed = 0x9747b28c;
    final int m = 0x5bd1e995;
    final int r = 24;
    int h = seed ^ length;
    int length4 = length / 4;
    for (int i = 0; i < length4; i++) {
      final int i4 = offset + i * 4;
      int k =
          (data[i4] & 0xff)
              + ((data[i4 + 1] & 0xff) << 8)
              + ((data[i4 + 2] & 0xff) << 16)
              + ((data[i4 + 3] & 0xff) << 24);
      k *= m;
      k ^= k >>> r;
      k *= m;
      h *= m;
      h ^= k;
    }
    switch (length % 4) {
      case 3:
        h ^= (data[offset + (length & ~3) + 2] & 0xff) << 16;
      // fall through: murmur2 mixes the remaining bytes cumulatively
      case 2:
        h ^= (data[offset + (length & ~3) + 1] & 0xff) << 8;
      // fall through
      case 1:
        h ^= data[offset + (length & ~3)] & 0xff;
        h *= m;
      default:
        break;
    }
    h ^= h >>> 13;
    h *= m;
    h ^= h >>> 15;
    return h;
  }
}
