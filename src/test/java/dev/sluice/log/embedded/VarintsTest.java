package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VarintsTest {

  /** What a read of a buffer gave: its value and the position after it, or the failure's message. */
  private record Read(long value, int end, String failure) {}

  private static Read ofBuffer(ByteBuffer b, boolean asLong) {
    try {
      long value = asLong ? Varints.getLong(b) : Varints.getInt(b);
      return new Read(value, b.position(), null);
    } catch (Varints.Malformed e) {
      return new Read(0, 0, e.getMessage());
    }
  }

  /** The same read of the array, positions translated back to the buffer's. */
  private static Read ofArray(byte[] a, int from, int limit, boolean asLong) {
    try {
      if (asLong) {
        long value = Varints.getLong(a, from, limit);
        return new Read(value, Varints.skip(a, from) - from, null);
      }
      long r = Varints.getInt(a, from, limit);
      return new Read((int) r, (int) (r >>> 32) - from, null);
    } catch (Varints.Malformed e) {
      return new Read(0, 0, e.getMessage());
    }
  }

  @Test
  void theArrayReadsAgreeWithTheBufferReadsValuesEndsAndFailures() {
    Random random = new Random(5);
    for (int round = 0; round < 200_000; round++) {
      // Bytes mostly with the continuation bit, inside a larger array: before them and after the
      // limit lie bytes that must not be read.
      byte[] a = new byte[24];
      random.nextBytes(a);
      for (int i = 0; i < a.length; i++) {
        if (random.nextInt(4) != 0) {
          a[i] |= (byte) 0x80;
        }
      }
      int from = random.nextInt(6);
      int limit = from + random.nextInt(13);
      boolean asLong = random.nextBoolean();

      Read expected = ofBuffer(ByteBuffer.wrap(a, from, limit - from).slice(), asLong);

      assertThat(ofArray(a, from, limit, asLong)).as("round %d", round).isEqualTo(expected);
    }
  }

  @Test
  void writtenVarintsReadBackFromTheArray() {
    Random random = new Random(9);
    byte[] b = new byte[64];
    for (int round = 0; round < 100_000; round++) {
      int i = random.nextInt() >>> (1 + random.nextInt(31));
      long l = random.nextLong() >>> (1 + random.nextInt(63));
      int afterInt = Varints.putInt(b, 3, i);
      int afterLong = Varints.putLong(b, afterInt, l);

      long r = Varints.getInt(b, 3, afterLong);
      assertThat((int) r).isEqualTo(i);
      assertThat((int) (r >>> 32)).isEqualTo(afterInt);
      assertThat(Varints.getLong(b, afterInt, afterLong)).isEqualTo(l);
      assertThat(Varints.skip(b, afterInt)).isEqualTo(afterLong);
    }
  }

  @Test
  void nothingAtOrPastTheLimitIsRead() {
    byte[] a = {(byte) 0x81, 0x01, 0x05};

    assertThatThrownBy(() -> Varints.getInt(a, 0, 1)).isInstanceOf(Varints.Malformed.class).hasMessage("varint runs past the end");
    assertThatThrownBy(() -> Varints.getInt(a, 2, 2)).isInstanceOf(Varints.Malformed.class).hasMessage("varint runs past the end");
    assertThatThrownBy(() -> Varints.getLong(a, 0, 1)).isInstanceOf(Varints.Malformed.class).hasMessage("varint runs past the end");
    assertThat(Varints.getInt(a, 2, 3)).isEqualTo(3L << 32 | 5);
    assertThat((int) Varints.getInt(a, 0, 2)).isEqualTo(0x81);
  }
}
