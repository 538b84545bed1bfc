package dev.sluice.operators.internal.expr;

import static dev.sluice.operators.internal.expr.Values.typeName;

import dev.sluice.language.ast.Position;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;

/**
 * The scalar functions of {@code dev.sluice.language.Builtins}, compiled. The parser has checked
 * names and argument counts; here each call becomes an {@link Eval} over its arguments'.
 */
final class Functions {
  private Functions() {}

  /** {@code now} is not here: it is not a function of the row, so the compiler decides it. */
  static Eval compile(String name, List<Eval> args, Position pos) {
    var a = args.toArray(Eval[]::new);
    return switch (name) {
      case "coalesce" ->
          row -> {
            for (var arg : a) {
              var value = arg.eval(row);
              if (value != null) {
                return value;
              }
            }
            return null;
          };
      case "nullif" ->
          row -> {
            var value = a[0].eval(row);
            return Boolean.TRUE.equals(Values.sqlEquals(value, a[1].eval(row), pos)) ? null : value;
          };
      case "concat" ->
          row -> {
            var text = new StringBuilder();
            for (var arg : a) {
              var value = arg.eval(row);
              if (value != null) {
                text.append(Values.text(value));
              }
            }
            return text.toString();
          };
      case "lower" -> strict(a, v -> string(v, name, pos).toLowerCase(Locale.ROOT));
      case "upper" -> strict(a, v -> string(v, name, pos).toUpperCase(Locale.ROOT));
      case "trim" -> strict(a, v -> string(v, name, pos).strip());
      case "length" ->
          strict(
              a, v -> (long) string(v, name, pos).codePointCount(0, string(v, name, pos).length()));
      case "substr" -> row -> substr(a, row, pos);
      case "replace" ->
          row -> {
            var s = a[0].eval(row);
            var from = a[1].eval(row);
            var to = a[2].eval(row);
            if (s == null || from == null || to == null) {
              return null;
            }
            var target = string(from, name, pos);
            return target.isEmpty()
                ? string(s, name, pos)
                : string(s, name, pos).replace(target, string(to, name, pos));
          };
      case "abs" ->
          strict(
              a,
              v ->
                  switch (v) {
                    case Long l when l == Long.MIN_VALUE ->
                        throw new EvalError("integer overflow in abs", pos);
                    case Long l -> Math.abs(l);
                    case BigDecimal d -> d.abs();
                    default -> throw notNumber(name, v, pos);
                  });
      case "round" -> row -> round(a, row, pos);
      case "floor" -> strict(a, v -> toScale(v, 0, RoundingMode.FLOOR, name, pos));
      case "ceil" -> strict(a, v -> toScale(v, 0, RoundingMode.CEILING, name, pos));
      case "date_trunc" ->
          row -> {
            var unit = a[0].eval(row);
            var time = a[1].eval(row);
            if (unit == null || time == null) {
              return null;
            }
            return Calendar.truncate(
                string(unit, name, pos), Times.timestamp(time, name, pos), pos);
          };
      case "date_part" ->
          row -> {
            var unit = a[0].eval(row);
            var time = a[1].eval(row);
            if (unit == null || time == null) {
              return null;
            }
            return Calendar.part(string(unit, name, pos), Times.timestamp(time, name, pos), pos);
          };
      default -> throw new IllegalArgumentException("no implementation of function " + name);
    };
  }

  /** A one-argument function that gives NULL for NULL, as most SQL functions do. */
  private static Eval strict(Eval[] a, java.util.function.Function<Object, Object> body) {
    return row -> {
      var value = a[0].eval(row);
      return value == null ? null : body.apply(value);
    };
  }

  /** PostgreSQL's substr: 1-based start that may lie before the string, counted in characters. */
  private static Object substr(Eval[] a, dev.sluice.operators.Row row, Position pos) {
    var s = a[0].eval(row);
    var start = a[1].eval(row);
    var count = a.length > 2 ? a[2].eval(row) : null;
    if (s == null || start == null || (a.length > 2 && count == null)) {
      return null;
    }
    var text = string(s, "substr", pos);
    var codePoints = text.codePoints().toArray();
    var from = integer(start, "substr", pos);
    var to = (long) codePoints.length + 1;
    if (count != null) {
      var n = integer(count, "substr", pos);
      if (n < 0) {
        throw new EvalError("substr needs a length of at least 0, got " + n, pos);
      }
      to = Math.min(to, from + n);
    }
    var begin = (int) Math.max(1, Math.min(from, codePoints.length + 1L));
    var end = (int) Math.max(begin, Math.min(to, codePoints.length + 1L));
    return new String(codePoints, begin - 1, end - begin);
  }

  private static Object round(Eval[] a, dev.sluice.operators.Row row, Position pos) {
    var value = a[0].eval(row);
    var digits = a.length > 1 ? a[1].eval(row) : (Object) 0L;
    if (value == null || digits == null) {
      return null;
    }
    var places = integer(digits, "round", pos);
    if (Math.abs(places) > 1000) {
      throw new EvalError("round takes at most 1000 places, got " + places, pos);
    }
    return toScale(value, (int) places, RoundingMode.HALF_UP, "round", pos);
  }

  /** Integers stay integers (round(1234, -2) is 1200); decimals keep the asked-for scale. */
  private static Object toScale(
      Object value, int scale, RoundingMode mode, String name, Position pos) {
    return switch (value) {
      case Long l when scale >= 0 -> l;
      case Long l -> BigDecimal.valueOf(l).setScale(scale, mode).longValue();
      case BigDecimal d -> d.setScale(scale, mode);
      default -> throw notNumber(name, value, pos);
    };
  }

  private static String string(Object value, String name, Position pos) {
    if (value instanceof String s) {
      return s;
    }
    throw new EvalError(name + " needs a string, got " + typeName(value), pos);
  }

  private static long integer(Object value, String name, Position pos) {
    if (value instanceof Long l) {
      return l;
    }
    throw new EvalError(name + " needs an integer, got " + typeName(value), pos);
  }

  private static EvalError notNumber(String name, Object value, Position pos) {
    return new EvalError(name + " needs a number, got " + typeName(value), pos);
  }
}
