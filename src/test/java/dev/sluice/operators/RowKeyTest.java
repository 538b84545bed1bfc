package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operators.internal.KeyEncoding;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class RowKeyTest {
  @Test
  void equalNumbersOfEitherTypeMakeTheSameKey() {
    assertThat(RowKey.of(new BigDecimal("1.00"))).isEqualTo(RowKey.of(1L));
    assertThat(RowKey.of(new BigDecimal("1.00")).value()).isEqualTo(1L);
    assertThat(RowKey.of(new BigDecimal("1.50")).value()).isEqualTo(new BigDecimal("1.5"));
  }

  @Test
  void compositeKeysAreListsOfTheirParts() {
    var key = RowKey.list(RowKey.of("a"), RowKey.of(3L));
    assertThat(key.value()).isEqualTo(List.of("a", 3L));
    assertThat(key).isEqualTo(RowKey.of(List.of("a", 3L)));
    assertThat(key.toString()).isEqualTo("[\"a\",3]");
  }

  @Property(tries = 200)
  void aStreamEventsKeyIsTheListOfItsKeyPartitionAndOffset(
      @ForAll String key, @ForAll("partitions") int partition, @ForAll("offsets") long offset) {
    var built = RowKey.list(RowKey.of(key), RowKey.of((long) partition), RowKey.of(offset));
    var stream = RowKey.stream(key, partition, offset);
    // Either may be asked for its value or its encoding first.
    assertThat(stream.value()).isEqualTo(built.value());
    assertThat(RowKey.stream(key, partition, offset)).isEqualTo(built);
    assertThat(stream.bytes()).isEqualTo(built.bytes());
    assertThat(stream.hashCode()).isEqualTo(built.hashCode());
    assertThat(stream.toString()).isEqualTo(built.toString());
    assertThat(RowKey.stream(key, partition, offset).compareTo(built)).isZero();
  }

  @Provide
  Arbitrary<Integer> partitions() {
    return Arbitraries.integers().between(0, 1023);
  }

  @Provide
  Arbitrary<Long> offsets() {
    return Arbitraries.longs().between(0, Long.MAX_VALUE);
  }

  @Test
  void stringsOrderByCodePointAndMayHoldNulCharacters() {
    var keys =
        new ArrayList<>(
            List.of(
                RowKey.of("b"),
                RowKey.of("a\u0000"),
                RowKey.of("a"),
                RowKey.of("\uD83D\uDE00"),
                RowKey.of("\uFFFF")));
    keys.sort(Comparator.naturalOrder());
    assertThat(keys)
        .extracting(RowKey::value)
        .containsExactly("a", "a\u0000", "b", "\uFFFF", "\uD83D\uDE00");
  }

  @Property(tries = 300)
  void encodingOrdersNumbersLikeTheirValues(
      @ForAll("numbers") Object a, @ForAll("numbers") Object b) {
    var expected = Integer.signum(decimal(a).compareTo(decimal(b)));
    var actual =
        Integer.signum(Arrays.compareUnsigned(KeyEncoding.encode(a), KeyEncoding.encode(b)));
    assertThat(actual).isEqualTo(expected);
    var reversed =
        Integer.signum(
            Arrays.compareUnsigned(
                KeyEncoding.complement(KeyEncoding.encode(a)),
                KeyEncoding.complement(KeyEncoding.encode(b))));
    assertThat(reversed).isEqualTo(-expected);
    assertThat(decimal(KeyEncoding.decode(KeyEncoding.encode(a)))).isEqualByComparingTo(decimal(a));
  }

  @Provide
  Arbitrary<Object> numbers() {
    return Arbitraries.oneOf(
        Arbitraries.longs().map(Object.class::cast),
        Arbitraries.of(0L, 1L, -1L, 10L, 100L, -100L, Long.MIN_VALUE, Long.MAX_VALUE)
            .map(Object.class::cast),
        Arbitraries.bigDecimals()
            .ofScale(3)
            .between(new BigDecimal("-1000"), new BigDecimal("1000"))
            .map(Object.class::cast));
  }

  private static BigDecimal decimal(Object number) {
    return number instanceof Long l ? BigDecimal.valueOf(l) : (BigDecimal) number;
  }
}
