package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Ids;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Held keys are found by their bytes wherever those bytes sit, and only those keys are; each keeps
 * its own last input and numbers.
 */
class HeldBackTest {
  @Property(tries = 200)
  void everyHeldKeyIsFoundByItsBytesAndNoOtherKeyIs(@ForAll("keys") List<String> keys, @ForAll("keys") List<String> others) {
    var heldBack = new HeldBack();
    var held = new HashSet<RowKey>();
    for (var key : keys) {
      var rowKey = RowKey.of(key);
      if (held.add(rowKey)) {
        heldBack.hold(rowKey, null);
      }
    }
    var all = new ArrayList<>(keys);
    all.addAll(others);
    for (var text : all) {
      var key = RowKey.of(text).bytes();
      // The key's bytes amid other bytes, as a scan finds them in a batch of the log.
      var amid = new byte[key.length + 11];
      java.util.Arrays.fill(amid, (byte) 'k');
      System.arraycopy(key, 0, amid, 5, key.length);
      var found = heldBack.find(amid, 5, key.length, HeldBack.hash(amid, 5, key.length));
      var rowKey = RowKey.fromBytes(key);
      if (held.contains(rowKey)) {
        assertThat(found).isNotNull();
        assertThat(found.key).isEqualTo(rowKey);
        assertThat(heldBack.get(rowKey)).isSameAs(found);
      } else {
        assertThat(found).isNull();
      }
    }
    assertThat(heldBack.size()).isEqualTo(held.size());
  }

  /**
   * Two keys whose hashes are equal, found among many: holding one does not make the other held,
   * and with both held each is found as itself.
   */
  @org.junit.jupiter.api.Test
  void keysOfEqualHashesAreToldApartByTheirBytes() {
    var seen = new HashMap<Integer, RowKey>();
    RowKey first = null;
    RowKey second = null;
    for (var i = 0; second == null; i++) {
      var key = RowKey.of("key-" + i);
      var bytes = key.bytes();
      var other = seen.putIfAbsent(HeldBack.hash(bytes, 0, bytes.length), key);
      if (other != null) {
        first = other;
        second = key;
      }
    }
    var heldBack = new HeldBack();
    var held = heldBack.hold(first, null);
    assertThat(heldBack.get(second)).isNull();
    var alsoHeld = heldBack.hold(second, null);
    assertThat(heldBack.get(first)).isSameAs(held);
    assertThat(heldBack.get(second)).isSameAs(alsoHeld);
  }

  /** What a held key should keep beside it: its last input and its numbers. */
  private record Kept(String source, int partition, long offset, String id, long[] numbers) {}

  /**
   * Each held key keeps its own numbers and last input beside its key, whatever is held after it,
   * however the table and the arena grow, and across a clear: as a map of key to numbers and input
   * keeps them.
   */
  @Property(tries = 200)
  void numbersAndLastInputsStayWithTheirKeys(
      @ForAll("keys") List<String> keys, @ForAll @IntRange(min = 0, max = 4) int numbers, @ForAll long seed) {
    var random = new Random(seed);
    var heldBack = new HeldBack();
    heldBack.keepNumbers(numbers);
    for (var round = 0; round < 2; round++) {
      var model = new HashMap<RowKey, Kept>();
      for (var key : keys) {
        var rowKey = RowKey.of(key);
        var held = heldBack.get(rowKey);
        var values = new long[numbers];
        if (held == null) {
          held = heldBack.hold(rowKey, null);
          assertThat(held.lastSource()).isNull();
          for (var i = 0; i < numbers; i++) {
            assertThat(heldBack.number(held.entry(), i)).isZero();
          }
        } else {
          values = model.get(rowKey).numbers();
        }
        var source = random.nextBoolean() ? "s1" : "s2";
        var partition = random.nextInt(8);
        var offset = random.nextLong(1L << 40);
        var id = random.nextBoolean() ? null : "id-" + random.nextInt(1000);
        heldBack.touch(held.entry(), source, partition, offset, id);
        for (var i = 0; i < numbers; i++) {
          var delta = random.nextLong();
          heldBack.add(held.entry(), i, delta);
          values[i] += delta;
        }
        model.put(rowKey, new Kept(source, partition, offset, id != null ? id : Ids.generated(partition, offset), values));
      }
      assertThat(heldBack.size()).isEqualTo(model.size());
      for (var e : model.entrySet()) {
        var held = heldBack.get(e.getKey());
        var kept = e.getValue();
        assertThat(held.key).isEqualTo(e.getKey());
        assertThat(heldBack.held(held.entry())).isSameAs(held);
        assertThat(held.lastSource()).isEqualTo(kept.source());
        assertThat(held.lastPartition()).isEqualTo(kept.partition());
        assertThat(held.lastOffset()).isEqualTo(kept.offset());
        assertThat(held.lastId()).isEqualTo(kept.id());
        for (var i = 0; i < numbers; i++) {
          assertThat(heldBack.number(held.entry(), i)).isEqualTo(kept.numbers()[i]);
        }
      }
      heldBack.clear();
      assertThat(heldBack.isEmpty()).isTrue();
    }
  }

  @Provide
  Arbitrary<List<String>> keys() {
    // Few letters and lengths around a word: keys that differ in one byte, early or late, and keys
    // of "Aa" and "BB" pairs, alike but for a few bits.
    var letters = Arbitraries.strings().withChars("abc").ofMaxLength(20);
    var colliding = Arbitraries.of("Aa", "BB").list().ofMaxSize(10).map(pairs -> String.join("", pairs));
    return Arbitraries.oneOf(letters, colliding).list().ofMaxSize(200);
  }
}
