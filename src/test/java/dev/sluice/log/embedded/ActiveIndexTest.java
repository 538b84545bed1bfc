package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ActiveIndexTest {

  @Test
  void readsRangesThatSpanChunksAsWritten() {
    ActiveIndex index = new ActiveIndex(2);
    int count = 70_000; // more than four chunks
    int[] expected = new int[count];
    for (int i = 0; i < count; i++) {
      expected[i] = i * 7 + 3;
      index.add(1, expected[i]);
      index.add(0, -i);
    }
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      int from = random.nextInt(count);
      int n = random.nextInt(Math.min(40_000, count - from) + 1);
      int[] out = new int[n];
      index.positions(1, from, out, n);
      assertThat(out).as("positions [%d, %d)", from, from + n).isEqualTo(Arrays.copyOfRange(expected, from, from + n));
    }
    assertThat(index.snapshot(1)).isEqualTo(expected);
    assertThat(index.count(0)).isEqualTo(count);
  }

  @Test
  void truncateDropsTheTailAndLaterAddsReplaceIt() {
    ActiveIndex index = new ActiveIndex(1);
    for (int i = 0; i < 20_000; i++) {
      index.add(0, i);
    }
    index.truncate(0, 16_000);
    index.add(0, -1);
    assertThat(index.count(0)).isEqualTo(16_001);
    int[] tail = new int[3];
    index.positions(0, 15_998, tail, 3);
    assertThat(tail).containsExactly(15_998, 15_999, -1);
  }
}
