package dev.sluice.operators.internal.expr;

import dev.sluice.language.ast.Position;
import dev.sluice.operators.Interval;
import dev.sluice.operators.Timestamp;
import dev.sluice.operators.internal.JsonValues;
import dev.sluice.operators.internal.KeyEncoding;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Typing, comparison and text of values, shared by every operator and function. */
public final class Values {
  private Values() {}

  /** The type's name as errors show it. */
  public static String typeName(Object value) {
    return switch (value) {
      case null -> "null";
      case Boolean b -> "boolean";
      case Long l -> "integer";
      case BigDecimal d -> "decimal";
      case String s -> "string";
      case Timestamp t -> "timestamp";
      case Interval i -> "interval";
      case List<?> l -> "array";
      case Map<?, ?> m -> "object";
      default -> value.getClass().getSimpleName();
    };
  }

  public static boolean isNumber(Object value) {
    return value instanceof Long || value instanceof BigDecimal;
  }

  public static BigDecimal decimal(Object number) {
    return number instanceof Long l ? BigDecimal.valueOf(l) : (BigDecimal) number;
  }

  /**
   * SQL comparison of two non-null values: negative, zero or positive. Integers and decimals
   * compare by value, strings by code point, and a string compared with a timestamp is read as
   * ISO-8601. Arrays and objects only compare for equality; other pairs are a type error.
   */
  public static int compare(Object a, Object b, boolean equalityOnly, Position pos) {
    if (a instanceof Long x && b instanceof Long y) {
      return Long.compare(x, y);
    }
    if (isNumber(a) && isNumber(b)) {
      return decimal(a).compareTo(decimal(b));
    }
    if (a instanceof String x && b instanceof String y) {
      // Equal code points are equal chars: String.equals answers = and <> at intrinsic speed.
      return equalityOnly ? (x.equals(y) ? 0 : 1) : compareCodePoints(x, y);
    }
    if (a instanceof Boolean x && b instanceof Boolean y) {
      return Boolean.compare(x, y);
    }
    if (a instanceof Timestamp x && b instanceof Timestamp y) {
      return x.compareTo(y);
    }
    if (a instanceof Timestamp x && b instanceof String y) {
      return x.compareTo(Times.parse(y, pos));
    }
    if (a instanceof String x && b instanceof Timestamp y) {
      return Times.parse(x, pos).compareTo(y);
    }
    if (a instanceof Interval x && b instanceof Interval y) {
      return x.compareTo(y);
    }
    if (equalityOnly && a instanceof List<?> && b instanceof List<?>
        || equalityOnly && a instanceof Map<?, ?> && b instanceof Map<?, ?>) {
      return Arrays.equals(KeyEncoding.encode(a), KeyEncoding.encode(b)) ? 0 : 1;
    }
    throw new EvalError("cannot compare " + typeName(a) + " with " + typeName(b), pos);
  }

  /** Code point order, which UTF-8 bytes and {@code KeyEncoding} agree with (UTF-16 does not). */
  public static int compareCodePoints(String a, String b) {
    var n = Math.min(a.length(), b.length());
    for (var i = 0; i < n; i++) {
      var x = a.charAt(i);
      var y = b.charAt(i);
      if (x != y) {
        if (Character.isSurrogate(x) || Character.isSurrogate(y)) {
          return Integer.compare(a.codePointAt(i), b.codePointAt(i));
        }
        return Character.compare(x, y);
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  /** SQL {@code a = b}: NULL when either is NULL. */
  public static Boolean sqlEquals(Object a, Object b, Position pos) {
    if (a == null || b == null) {
      return null;
    }
    return compare(a, b, true, pos) == 0;
  }

  /** How {@code ||} and concat() show a value. */
  public static String text(Object value) {
    return switch (value) {
      case String s -> s;
      case BigDecimal d -> d.toPlainString();
      case Long l -> Long.toString(l);
      case Boolean b -> b.toString();
      case Timestamp t -> t.toString();
      default -> JsonValues.text(value);
    };
  }

  public static boolean truth(Object value, String where, Position pos) {
    if (value instanceof Boolean b) {
      return b;
    }
    throw new EvalError(where + " needs a boolean, got " + typeName(value), pos);
  }
}
