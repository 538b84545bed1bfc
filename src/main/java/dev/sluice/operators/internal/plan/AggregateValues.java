package dev.sluice.operators.internal.plan;

import dev.sluice.operators.internal.expr.Arithmetic;
import java.math.BigDecimal;

/**
 * How sums and averages are shown. Both depend only on the multiset of values, never on the order
 * they came and went in: integer sums stay integers (decimals past 64 bits), decimal sums drop
 * trailing zeros.
 */
public final class AggregateValues {
  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  private AggregateValues() {}

  /**
   * @param sum the exact sum, a Long or a BigDecimal
   * @param decimals how many of the summed values are decimals
   */
  public static Object sum(Object sum, long decimals) {
    if (decimals > 0) {
      return Arithmetic.canonical(toDecimal(sum));
    }
    if (sum instanceof BigDecimal d && d.compareTo(LONG_MIN) >= 0 && d.compareTo(LONG_MAX) <= 0) {
      return d.longValueExact();
    }
    return sum instanceof BigDecimal d ? d.setScale(0) : sum;
  }

  public static BigDecimal average(Object sum, long count) {
    return Arithmetic.canonical(
        toDecimal(sum).divide(BigDecimal.valueOf(count), Arithmetic.DIVISION));
  }

  /** {@code sum + value} exactly; Long while it fits. */
  public static Object add(Object sum, Object value) {
    if (sum instanceof Long a && value instanceof Long b) {
      var result = a + b;
      if (((a ^ result) & (b ^ result)) >= 0) {
        return result;
      }
    }
    return toDecimal(sum).add(toDecimal(value));
  }

  public static Object negate(Object value) {
    if (value instanceof Long l && l != Long.MIN_VALUE) {
      return -l;
    }
    return toDecimal(value).negate();
  }

  private static BigDecimal toDecimal(Object number) {
    return number instanceof Long l ? BigDecimal.valueOf(l) : (BigDecimal) number;
  }
}
