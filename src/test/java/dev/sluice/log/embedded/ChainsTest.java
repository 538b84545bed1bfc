package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Chain hashes are what docs/log-format.md §3 defines, however the writer puts them together. */
class ChainsTest {
  @Property(tries = 500)
  void aChainStepHashesThePreviousChainThePositionAndTheContentDigest(
      @ForAll @Size(16) byte[] previous,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int partition,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long offset,
      @ForAll @Size(16) byte[] contentDigest) throws Exception {
    // chain := first 16 bytes of SHA-256(previous_chain ‖ partition:varint ‖ offset:varint ‖ content_digest)
    ByteArrayOutputStream hashed = new ByteArrayOutputStream();
    hashed.write(previous);
    writeVarint(hashed, partition);
    writeVarint(hashed, offset);
    hashed.write(contentDigest);
    byte[] expected = Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(hashed.toByteArray()), 16);

    assertThat(Chains.next(previous, partition, offset, contentDigest)).isEqualTo(expected);
    byte[] chain = previous.clone();
    ByteBuffer digest = ByteBuffer.wrap(contentDigest);
    Chains.advance(chain, partition, offset, digest.getLong(0), digest.getLong(8));
    assertThat(chain).as("advanced in place").isEqualTo(expected);
  }

  @Property(tries = 200)
  void aContentDigestIsTheFirstHalfOfTheContentsSha256(@ForAll @Size(max = 300) byte[] content) throws Exception {
    byte[] full = MessageDigest.getInstance("SHA-256").digest(content);
    assertThat(Chains.digest(content, 0, content.length)).isEqualTo(Arrays.copyOf(full, 16));
    long high = Chains.digestHigh(content, 0, content.length);
    assertThat(ByteBuffer.allocate(16).putLong(high).putLong(Chains.digestLow()).array()).isEqualTo(Arrays.copyOf(full, 16));
  }

  private static void writeVarint(ByteArrayOutputStream out, long value) {
    while (value >= 0x80) {
      out.write((int) (value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write((int) value);
  }
}
