package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.RecordView;
import dev.sluice.operators.DeadLetter;
import dev.sluice.operators.InPlace;
import dev.sluice.operators.RowKey;
import dev.sluice.stores.Batch;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lineage encoded with a read and copied in stores exactly what the inputs written one by one store. */
class LineageEncodedTest {
  private static final long NOW_MS = 1_700_000_000_000L;

  private record Input(int partition, long offset, byte[] key) {}

  @Test
  void readsEncodedAheadStoreTheEntriesInputsWrittenOneByOneStore(@TempDir Path dir) {
    Random random = new Random(20261203);
    List<Input> inputs = new ArrayList<>();
    long[] next = new long[2];
    // More inputs than two entries take, with gaps (inputs that touched nothing) and keys of many lengths.
    for (int i = 0; i < 3 * Lineage.INPUTS_PER_ENTRY; i++) {
      int p = random.nextInt(2);
      next[p] += 1 + (random.nextInt(5) == 0 ? random.nextInt(3) : 0);
      byte[] key = ("key-" + random.nextInt(100_000) + "x".repeat(random.nextInt(40))).getBytes(StandardCharsets.UTF_8);
      inputs.add(new Input(p, next[p], key));
    }
    try (KeyValueStore store = KeyValueStore.open(dir)) {
      Space oneByOne = store.space("view:one:1");
      Space encoded = store.space("view:encoded:1");
      Lineage first = new Lineage();
      Lineage second = new Lineage();
      for (Input input : inputs) {
        first.touched("orders", input.partition(), input.offset(), input.key(), 0, input.key().length);
      }
      // Reads of one partition's consecutive inputs, of random sizes; now and then one input alone.
      for (int i = 0; i < inputs.size(); ) {
        int p = inputs.get(i).partition();
        if (random.nextInt(6) == 0) {
          Input input = inputs.get(i++);
          byte[] padded = new byte[input.key().length + 9];
          System.arraycopy(input.key(), 0, padded, 4, input.key().length);
          second.touched("orders", p, input.offset(), padded, 4, input.key().length);
          continue;
        }
        List<Input> read = new ArrayList<>();
        int size = 1 + random.nextInt(3000);
        while (i < inputs.size() && inputs.get(i).partition() == p && read.size() < size) {
          read.add(inputs.get(i++));
        }
        second.touched("orders", p, new Lineage.Encoded().of(touching(read)));
      }
      write(oneByOne, first);
      write(encoded, second);
      // Two entries per partition (4,096 inputs each at most) and the expiry entry.
      assertThat(contents(encoded)).isEqualTo(contents(oneByOne)).hasSize(5);
    }
  }

  /**
   * Each input of a view reads back with the keys it changed, however its entry holds them: one key
   * (a step from the input before it) or several; an input that changed nothing reads back empty.
   * Across more inputs than one entry takes, some encoded with a read. (A derived stream's inputs
   * and their events: LineageIndexTest.)
   */
  @Test
  void eachInputReadsBackWithWhatItChanged(@TempDir Path dir) {
    Random random = new Random(7);
    Lineage lineage = new Lineage();
    java.util.Map<Long, List<String>> keys = new java.util.HashMap<>();
    long offset = 0;
    for (int i = 0; i < Lineage.INPUTS_PER_ENTRY + 500; ) {
      offset += 1 + (random.nextInt(4) == 0 ? random.nextInt(300) : 0);
      int shape = random.nextInt(10);
      if (shape == 0) {
        List<dev.sluice.operators.RowKey> held = List.of(RowKey.of("a-" + offset), RowKey.of("b-" + offset));
        lineage.changed("orders", new dev.sluice.log.Record(0, offset, null, null, 0, List.of(), false, new byte[0]),
            new dev.sluice.operators.Applied(List.of(), List.of(), false, held));
        keys.put(offset, List.of("a-" + offset, "b-" + offset));
        i++;
      } else if (shape < 3) {
        List<Input> read = new ArrayList<>();
        for (int n = 1 + random.nextInt(50); n > 0; n--, i++) {
          read.add(new Input(0, offset, RowKey.of("k-" + offset).bytes()));
          keys.put(offset, List.of("k-" + offset));
          offset += 1 + random.nextInt(3);
        }
        offset = read.getLast().offset();
        lineage.touched("orders", 0, new Lineage.Encoded().of(touching(read)));
      } else {
        lineage.touched("orders", 0, offset, RowKey.of("k-" + offset));
        keys.put(offset, List.of("k-" + offset));
        i++;
      }
    }
    try (KeyValueStore store = KeyValueStore.open(dir)) {
      Space space = store.space("view:v:1");
      write(space, lineage);
      for (long o = 0; o <= offset + 1; o++) {
        var read = Lineage.read(space, "orders", 0, o, "id-" + o);
        if (keys.containsKey(o)) {
          List<String> found = new ArrayList<>();
          read.orElseThrow().path("keys").forEach(k -> found.add(k.asText()));
          assertThat(found).as("input %d", o).isEqualTo(keys.get(o));
        } else {
          assertThat(read).as("input %d changed nothing", o).isEmpty();
        }
      }
    }
  }

  /** A read that touches the keys of {@code read}, in order. */
  private static InPlace.Ahead touching(List<Input> read) {
    return new InPlace.Ahead() {
      @Override
      public void touching(InPlace.Touched touched) {
        for (Input input : read) {
          touched.touched(input.partition(), input.offset(), input.key(), 0, input.key().length);
        }
      }

      @Override
      public void start(String source, int partition, long from) {
        throw new UnsupportedOperationException();
      }

      @Override
      public String source() {
        return "orders";
      }

      @Override
      public int partition() {
        return read.getFirst().partition();
      }

      @Override
      public long from() {
        return read.getFirst().offset();
      }

      @Override
      public int count() {
        return read.size();
      }

      @Override
      public long last() {
        return read.getLast().offset();
      }

      @Override
      public void applyTo(List<DeadLetter> deadLetters) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void accept(RecordView record) {
        throw new UnsupportedOperationException();
      }
    };
  }

  private static void write(Space space, Lineage lineage) {
    try (Batch batch = space.batch()) {
      lineage.write(batch, NOW_MS);
      batch.commit();
    }
  }

  /** Every key and value of the space, in order, the expiry entry's sequence (a clock reading) left out. */
  private static List<String> contents(Space space) {
    List<String> all = new ArrayList<>();
    space.scan(new byte[] {0}, new byte[] {(byte) 0xff}, (key, value) -> {
      all.add(key[0] == Lineage.EXPIRY ? "expiry → " + Arrays.toString(value) : Arrays.toString(key) + " → " + Arrays.toString(value));
      return true;
    });
    return all;
  }
}
