package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.log.Event;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecentBatchesTest {

  /** A verified batch of records in the given partitions, offsets counted per partition from 0. */
  private static ByteBuffer batch(int[] partitionOf, int partitions) {
    BatchWriter writer = new BatchWriter();
    writer.begin(1_000);
    long[] offsets = new long[partitions];
    byte[][] chains = new byte[partitions][];
    java.util.Arrays.setAll(chains, p -> Chains.GENESIS.clone());
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < partitionOf.length; i++) {
      events.add(Event.of("k" + i, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    EncodedEvents encoded = EncodedEvents.of(events, partitions, 1_000, byte[]::new);
    for (int i = 0; i < partitionOf.length; i++) {
      int p = partitionOf[i];
      writer.add(p, offsets[p]++, encoded, i, chains[p]);
    }
    ByteBuffer bytes = writer.finish();
    ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).put(bytes).flip();
    assertThat(BatchReader.verify(copy)).isNull();
    return copy;
  }

  @Test
  void aPartitionsRecordsAreFoundInTheBatchsOrderAndNoOthers() {
    Random random = new Random(11);
    for (int round = 0; round < 200; round++) {
      int partitions = 1 + random.nextInt(6);
      int[] partitionOf = new int[random.nextInt(60)];
      for (int i = 0; i < partitionOf.length; i++) {
        partitionOf[i] = random.nextInt(partitions);
      }
      ByteBuffer bytes = batch(partitionOf, partitions);

      RecentBatches.Kept kept = RecentBatches.Kept.of(bytes, partitions);

      // What a reader walking the whole batch sees, partition by partition.
      List<List<Long>> expected = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        expected.add(new ArrayList<>());
      }
      BatchReader walk = BatchReader.over(bytes);
      while (walk.next()) {
        expected.get(walk.partition()).add(walk.offset());
      }
      BatchReader reader = BatchReader.over(kept.batch());
      for (int p = 0; p < partitions; p++) {
        List<Long> found = new ArrayList<>();
        for (int k = kept.from()[p]; k < kept.from()[p + 1]; k++) {
          reader.at(kept.starts()[k]);
          assertThat(reader.partition()).isEqualTo(p);
          found.add(reader.offset());
          RecordCursor cursor = new RecordCursor().at(reader);
          assertThat(cursor.record().partition()).isEqualTo(p);
        }
        assertThat(found).as("round %d, partition %d", round, p).isEqualTo(expected.get(p));
      }
      assertThat(kept.from()[partitions]).isEqualTo(partitionOf.length);
    }
  }

  @Test
  void aRecordOfAPartitionTheStreamDoesNotHaveIsMalformed() {
    ByteBuffer bytes = batch(new int[] {0, 2, 1}, 3);

    assertThatThrownBy(() -> RecentBatches.Kept.of(bytes, 2))
        .isInstanceOf(Varints.Malformed.class)
        .hasMessageContaining("record of partition 2 in a stream of 2");
  }

  @Test
  void keepsTheLastBatchesBySegmentAndPosition() {
    RecentBatches recent = new RecentBatches();
    RecentBatches.Kept kept = RecentBatches.Kept.of(batch(new int[] {0, 1}, 2), 2);
    recent.put(null, 7, kept);
    assertThat(recent.get(null, 7)).isSameAs(kept);
    for (int i = 0; i < RecentBatches.BATCHES_MAX; i++) {
      recent.put(null, 100 + i, kept);
    }
    assertThat(recent.get(null, 7)).as("the oldest is given up").isNull();
    assertThat(recent.get(null, 100 + RecentBatches.BATCHES_MAX - 1)).isSameAs(kept);
  }
}
