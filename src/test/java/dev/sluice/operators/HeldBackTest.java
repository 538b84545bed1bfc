package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Held keys are found by their bytes wherever those bytes sit, and only those keys are. */
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

  @Provide
  Arbitrary<List<String>> keys() {
    // Few letters and lengths around a word: keys that differ in one byte, early or late. Keys of
    // "Aa" and "BB" pairs hash alike at each length, so their bytes must tell them apart.
    var letters = Arbitraries.strings().withChars("abc").ofMaxLength(20);
    var colliding = Arbitraries.of("Aa", "BB").list().ofMaxSize(10).map(pairs -> String.join("", pairs));
    return Arbitraries.oneOf(letters, colliding).list().ofMaxSize(200);
  }
}
