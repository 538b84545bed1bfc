package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Position;
import dev.sluice.stores.Batch;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lineage index keeps entries for the dedup window and no longer: it is bounded. */
class LineageIndexTest {
  private static final long DAY_MS = 86_400_000L;

  @Test
  void entriesOlderThanTheRetentionAreRemovedByALaterCommit(@TempDir Path dir) {
    try (KeyValueStore store = KeyValueStore.open(dir)) {
      Space space = store.space("view:v:1");
      Lineage lineage = new Lineage();
      long t0 = 1_700_000_000_000L;
      commit(space, lineage, 1, t0);
      commit(space, lineage, 2, t0 + 6 * DAY_MS);

      assertThat(Lineage.read(space, "orders", 0, 1, "old")).isPresent();

      commit(space, lineage, 3, t0 + Lineage.RETENTION.toMillis() + 1);

      assertThat(Lineage.read(space, "orders", 0, 1, "old")).as("an entry past the retention").isEmpty();
      assertThat(Lineage.read(space, "orders", 0, 2, "recent")).as("an entry inside it").isPresent();
      assertThat(Lineage.read(space, "orders", 0, 3, "now").orElseThrow().path("events").get(0).path("offset").asLong()).isEqualTo(7);
      long[] expiryEntries = {0};
      space.scan(new byte[] {Lineage.EXPIRY}, new byte[] {Lineage.EXPIRY + 1}, (k, v) -> ++expiryEntries[0] > 0);
      assertThat(expiryEntries[0]).as("commits still listed for expiry").isEqualTo(2);
    }
  }

  /** A commit of one input, at {@code offset} of partition 0, that derived one event. */
  private static void commit(Space space, Lineage lineage, long offset, long nowMs) {
    try (Batch batch = space.batch()) {
      lineage.derived("orders", 0, offset, "orders/" + offset + "/0", new Position(0, 7, false));
      lineage.write(batch, nowMs);
      batch.commit();
    }
  }
}
