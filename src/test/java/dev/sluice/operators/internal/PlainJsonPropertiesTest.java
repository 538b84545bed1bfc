package dev.sluice.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operators.Interval;
import dev.sluice.operators.Row;
import dev.sluice.operators.Timestamp;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Rows are written without Jackson when nothing in them needs escaping; the bytes must be the ones
 * Jackson writes, or a view's digest would differ from the same view recomputed, and rows stored
 * before the plain path would stop comparing equal to rows written after it.
 */
class PlainJsonPropertiesTest {
  @Property(tries = 2000)
  void rowsAreWrittenAsJacksonWritesThem(@ForAll("rows") Row row) {
    assertThat(new String(JsonValues.write(row), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(new String(JsonValues.writeWithJackson(row), java.nio.charset.StandardCharsets.UTF_8));
  }

  @Property(tries = 2000)
  void valuesAreWrittenAsJacksonWritesThem(@ForAll("values") Object value) {
    assertThat(JsonValues.text(value)).isEqualTo(JsonValues.textWithJackson(value));
  }

  @Provide
  Arbitrary<Row> rows() {
    return Combinators.combine(strings().list().ofMaxSize(5).uniqueElements(), values().list().ofSize(5))
        .as((names, values) -> Row.wrap(names.toArray(String[]::new), values.subList(0, names.size()).toArray(), null));
  }

  @Provide
  Arbitrary<Object> values() {
    return Arbitraries.lazyOf(
        PlainJsonPropertiesTest::scalars,
        () -> scalars().list().ofMaxSize(3).map(l -> (Object) l),
        () -> Combinators.combine(strings().list().ofMaxSize(3).uniqueElements(), scalars().list().ofSize(3))
            .as((names, values) -> {
              Map<String, Object> map = new LinkedHashMap<>();
              for (int i = 0; i < names.size(); i++) {
                map.put(names.get(i), values.get(i));
              }
              return (Object) map;
            }));
  }

  private static Arbitrary<Object> scalars() {
    return Arbitraries.oneOf(
        Arbitraries.just(null),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.longs().map(l -> (Object) l),
        strings().map(s -> (Object) s),
        Arbitraries.longs().between(-62_000_000_000_000L, 250_000_000_000_000L).map(t -> (Object) new Timestamp(t)),
        Arbitraries.longs().map(m -> (Object) new Interval(m)),
        Combinators.combine(Arbitraries.bigIntegers().between(BigInteger.valueOf(-1_000_000_000_000L), BigInteger.valueOf(1_000_000_000_000L)),
                Arbitraries.integers().between(-30, 30))
            .as((unscaled, scale) -> (Object) new BigDecimal(unscaled, scale)));
  }

  /** Mostly plain text, with quotes, backslashes, control characters and non-ASCII mixed in. */
  private static Arbitrary<String> strings() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ascii().ofMaxLength(12),
        Arbitraries.strings().withChars("ab\"\\\n\t\u0001\u007f\u00e9\u2028\ud83d\ude00/").ofMaxLength(6),
        Arbitraries.strings().withCharRange('\u0000', '\ud7ff').ofMaxLength(4));
  }
}
