package dev.sluice.stores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A space used after it was dropped, or after its store closed, fails that use with a
 * StoreException. RocksDB's handles are native pointers: without the guard these reads would read
 * freed memory and could crash the JVM running this test.
 */
class SpaceLifetimeTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyUseOfADroppedSpaceFailsWithAStoreException() {
    try (KeyValueStore store = KeyValueStore.open(dir)) {
      Space space = store.space("v1");
      Batch batch = space.batch();
      batch.put(bytes("k"), bytes("v"));
      batch.commit();
      Batch pending = space.batch();
      pending.put(bytes("k2"), bytes("v2"));

      store.drop("v1");

      assertThatThrownBy(() -> space.get(bytes("k"))).isInstanceOf(StoreException.class).hasMessageContaining("v1 is dropped");
      assertThatThrownBy(() -> space.scan(bytes(""), null, (k, v) -> true)).isInstanceOf(StoreException.class);
      assertThatThrownBy(() -> space.scanFromFloor(bytes("k"), bytes(""), bytes("z"), (k, v) -> true))
          .isInstanceOf(StoreException.class);
      assertThatThrownBy(space::snapshot).isInstanceOf(StoreException.class);
      assertThatThrownBy(() -> pending.get(bytes("k"))).isInstanceOf(StoreException.class);
      assertThatThrownBy(pending::commit).isInstanceOf(StoreException.class);
      assertThat(store.space("v1").get(bytes("k"))).as("a space of that name made again starts empty").isNull();
    }
  }

  @Test
  void readersRacingADropAndACloseFailCleanly() throws Exception {
    KeyValueStore store = KeyValueStore.open(dir);
    List<Space> spaces = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      Space space = store.space("v" + s);
      Batch batch = space.batch();
      for (int i = 0; i < 1000; i++) {
        batch.put(bytes("k" + i), bytes("value " + i));
      }
      batch.commit();
      spaces.add(space);
    }
    AtomicInteger reads = new AtomicInteger();
    AtomicReference<Throwable> unexpected = new AtomicReference<>();
    CountDownLatch reading = new CountDownLatch(8);
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Space space = spaces.get(t % spaces.size());
      Thread reader = new Thread(() -> {
        reading.countDown();
        try {
          while (true) {
            space.scan(bytes("k"), null, (k, v) -> true);
            try (Space.Snapshot snapshot = space.snapshot()) {
              snapshot.get(bytes("k7"));
            }
            space.get(bytes("k9"));
            reads.incrementAndGet();
          }
        } catch (StoreException expected) {
          // the space was dropped or the store closed under this reader
        } catch (Throwable t2) {
          unexpected.set(t2);
        }
      });
      reader.start();
      readers.add(reader);
    }
    reading.await();
    Thread.sleep(50);
    store.drop("v0");
    store.drop("v1");
    Thread.sleep(50);
    store.close();
    for (Thread reader : readers) {
      reader.join(10_000);
      assertThat(reader.isAlive()).as("a reader still running after the close").isFalse();
    }
    assertThat(unexpected.get()).isNull();
    assertThat(reads.get()).as("reads done before the drops").isPositive();
  }
}
