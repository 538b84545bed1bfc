package dev.sluice.stores;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A batch reads and scans as a sorted map would that holds what was committed with the pending
 * writes laid over it; a commit makes the space that map, and a batch dropped uncommitted leaves
 * no trace.
 */
class BatchPropertiesTest {
  private static Path dir;
  private static KeyValueStore store;
  private static Space space;

  @BeforeContainer
  static void open() throws Exception {
    dir = Files.createTempDirectory("sluice-batch");
    store = KeyValueStore.open(dir);
    space = store.space("batch-test");
  }

  @AfterContainer
  static void close() {
    store.close();
  }

  @Property(tries = 300)
  void readsAndScansSeeCommittedStateWithPendingWritesOver(@ForAll long seed) {
    Random random = new Random(seed);
    try (Batch clear = space.batch()) {
      space.scan(new byte[0], null, (k, v) -> {
        clear.delete(k);
        return true;
      });
      clear.commit();
    }
    TreeMap<byte[], byte[]> committed = new TreeMap<>(Arrays::compareUnsigned);
    for (int round = 0; round < 4; round++) {
      TreeMap<byte[], byte[]> model = new TreeMap<>(committed);
      try (Batch batch = space.batch()) {
        for (int op = 0; op < 30; op++) {
          byte[] key = key(random);
          switch (random.nextInt(4)) {
            case 0 -> {
              batch.delete(key);
              model.remove(key);
            }
            case 1 -> assertThat(batch.get(key)).isEqualTo(model.get(key));
            case 2 -> {
              byte[] prefix = Arrays.copyOf(key, random.nextInt(key.length + 1));
              int limit = 1 + random.nextInt(8);
              assertThat(scan(batch, prefix, limit)).as("scan of %s", Arrays.toString(prefix))
                  .isEqualTo(scan(model, prefix, limit));
            }
            default -> {
              byte[] value = random.nextInt(10) == 0 ? new byte[0] : new byte[] {(byte) random.nextInt(256)};
              batch.put(key, value);
              model.put(key, value);
            }
          }
        }
        if (random.nextBoolean()) {
          batch.commit();
          committed = model;
        }
      }
      TreeMap<byte[], byte[]> stored = new TreeMap<>(Arrays::compareUnsigned);
      space.scan(new byte[0], null, (k, v) -> {
        stored.put(k, v);
        return true;
      });
      assertThat(entries(stored)).isEqualTo(entries(committed));
    }
  }

  /**
   * A commit of enough writes to hand them over in key order stores exactly those writes. Each try
   * writes under a prefix of its own in a space of its own, so that no try leaves the others (or
   * the property above) thousands of deletes to scan past.
   */
  @Property(tries = 20)
  void aLargeCommitStoresWhatItHeld(@ForAll long seed) {
    Random random = new Random(seed);
    Space large = store.space("batch-large-test");
    byte[] prefix = java.nio.ByteBuffer.allocate(8).putLong(tries++).array();
    TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
    try (Batch batch = large.batch()) {
      int writes = Batch.SORTED_FROM + random.nextInt(3 * Batch.SORTED_FROM);
      while (batch.count() < writes) { // some keys repeat: a write to a pending key replaces it
        byte[] key = Arrays.copyOf(prefix, prefix.length + 1 + random.nextInt(24));
        for (int j = prefix.length; j < key.length; j++) {
          key[j] = (byte) (j == prefix.length ? random.nextInt(3) : random.nextInt(256)); // shared prefixes
        }
        byte[] value = new byte[random.nextInt(40)];
        random.nextBytes(value);
        batch.put(key, value);
        model.put(key, value);
      }
      batch.commit();
    }
    TreeMap<byte[], byte[]> stored = new TreeMap<>(Arrays::compareUnsigned);
    large.scan(prefix, null, (k, v) -> {
      stored.put(k, v);
      return true;
    });
    assertThat(entries(stored)).isEqualTo(entries(model));
  }

  private static long tries;

  /** Keys over a small alphabet, so that prefixes, repeats and neighbours are common. */
  private static byte[] key(Random random) {
    byte[] key = new byte[1 + random.nextInt(3)];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (random.nextBoolean() ? random.nextInt(3) : 0xfe + random.nextInt(2));
    }
    return key;
  }

  private static List<String> scan(Batch batch, byte[] prefix, int limit) {
    List<String> out = new ArrayList<>();
    batch.scan(prefix, (k, v) -> {
      out.add(Arrays.toString(k) + "=" + Arrays.toString(v));
      return out.size() < limit;
    });
    return out;
  }

  private static List<String> scan(TreeMap<byte[], byte[]> model, byte[] prefix, int limit) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<byte[], byte[]> e : model.tailMap(prefix, true).entrySet()) {
      if (out.size() == limit || e.getKey().length < prefix.length
          || !Arrays.equals(e.getKey(), 0, prefix.length, prefix, 0, prefix.length)) {
        break;
      }
      out.add(Arrays.toString(e.getKey()) + "=" + Arrays.toString(e.getValue()));
    }
    return out;
  }

  private static List<String> entries(TreeMap<byte[], byte[]> map) {
    return scan(map, new byte[0], Integer.MAX_VALUE);
  }

  @Property(tries = 300)
  void aBatchIsEncodedAsRocksDbEncodesIt(@ForAll long seed, @ForAll boolean defaultFamily) throws Exception {
    Random random = new Random(seed);
    TreeMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);
    for (int i = random.nextInt(40); i > 0; i--) {
      byte[] key = new byte[random.nextInt(200)];
      random.nextBytes(key);
      byte[] value = random.nextInt(4) == 0 ? Batch.deleted() : new byte[random.nextInt(3) == 0 ? random.nextInt(300) : random.nextInt(20)];
      random.nextBytes(value);
      writes.put(key, value);
    }
    try (org.rocksdb.WriteBatch reference = new org.rocksdb.WriteBatch()) {
      for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
        boolean delete = e.getValue() == Batch.deleted();
        if (defaultFamily && delete) {
          reference.delete(e.getKey());
        } else if (defaultFamily) {
          reference.put(e.getKey(), e.getValue());
        } else if (delete) {
          reference.delete(space.handle, e.getKey());
        } else {
          reference.put(space.handle, e.getKey(), e.getValue());
        }
      }
      Batch.Encoding encoding = new Batch.Encoding(defaultFamily ? 0 : space.handle.getID(), 1);
      writes.forEach(encoding::add);
      assertThat(encoding.toBytes()).isEqualTo(reference.data());
    }
  }
}
