package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Partitioner;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.utils.Utils;

/** A key lands in the same partition on the embedded log as Kafka's default partitioner puts it. */
class PartitionerMatchesKafkaTest {

  @Property(tries = 2000)
  void everyKeyGoesWhereKafkaWouldPutIt(@ForAll String key, @ForAll @IntRange(min = 1, max = 64) int partitions) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    int kafka = Utils.toPositive(Utils.murmur2(bytes)) % partitions;
    assertThat(Partitioner.partition(key, partitions)).isEqualTo(kafka);
  }

  @Property(tries = 500)
  void aKeyInsideALargerArrayHashesAsTheKeyAlone(@ForAll String key, @ForAll @IntRange(min = 0, max = 9) int before) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    byte[] padded = new byte[before + bytes.length + 3];
    java.util.Arrays.fill(padded, (byte) 0x5a);
    System.arraycopy(bytes, 0, padded, before, bytes.length);
    assertThat(Partitioner.partition(padded, before, bytes.length, 12)).isEqualTo(Partitioner.partition(key, 12));
  }
}
