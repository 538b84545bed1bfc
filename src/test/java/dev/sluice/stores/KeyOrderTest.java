package dev.sluice.stores;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** KeyOrder puts keys in the order RocksDB keeps them: their bytes compared unsigned. */
class KeyOrderTest {
  @Property(tries = 300)
  void ordersKeysAsTheirBytesCompareUnsigned(@ForAll long seed) {
    Random random = new Random(seed);
    byte[][] keys = new byte[random.nextInt(600)][];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = key(random, keys, i);
    }
    int[] order = KeyOrder.of(keys);

    assertThat(order).as("a permutation of the indexes").hasSize(keys.length);
    assertThat(Arrays.stream(order).sorted().toArray()).isEqualTo(java.util.stream.IntStream.range(0, keys.length).toArray());
    for (int i = 1; i < order.length; i++) {
      int c = Arrays.compareUnsigned(keys[order[i - 1]], keys[order[i]]);
      assertThat(c <= 0).as("%s before %s", Arrays.toString(keys[order[i - 1]]), Arrays.toString(keys[order[i]])).isTrue();
      if (c == 0) {
        assertThat(order[i - 1]).as("equal keys keep their order").isLessThan(order[i]);
      }
    }
  }

  @Test
  void keysThatTieInTheirFirstSixteenBytesAreComparedWhole() {
    byte[] shortKey = {1, 2};
    byte[] padded = {1, 2, 0}; // reads as the short key does in the first sixteen bytes
    byte[] longA = new byte[20];
    byte[] longB = new byte[20];
    longA[0] = 5;
    longB[0] = 5;
    longA[19] = (byte) 0x90; // unsigned: after longB's 0x10
    longB[19] = 0x10;
    byte[][] keys = {padded, longA, shortKey, longB};

    assertThat(KeyOrder.of(keys)).containsExactly(2, 0, 3, 1);
  }

  /**
   * Keys that share prefixes often (as a space's keys do: a type byte, then a row key), of lengths
   * around sixteen bytes, with zero and high bytes, and some repeated.
   */
  private static byte[] key(Random random, byte[][] before, int i) {
    if (i > 0 && random.nextInt(10) == 0) {
      return before[random.nextInt(i)].clone();
    }
    byte[] key = new byte[random.nextInt(26)];
    for (int j = 0; j < key.length; j++) {
      key[j] = switch (random.nextInt(4)) {
        case 0 -> 0;
        case 1 -> (byte) (0xfe + random.nextInt(2));
        case 2 -> (byte) (1 + random.nextInt(2));
        default -> (byte) random.nextInt(256);
      };
    }
    return key;
  }
}
