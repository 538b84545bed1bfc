package dev.sluice.operators.internal.expr;

import static dev.sluice.operators.internal.expr.Values.decimal;
import static dev.sluice.operators.internal.expr.Values.isNumber;
import static dev.sluice.operators.internal.expr.Values.typeName;

import dev.sluice.language.ast.BinaryOperator;
import dev.sluice.language.ast.Position;
import dev.sluice.operators.Interval;
import dev.sluice.operators.Timestamp;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The numeric tower and time arithmetic. Integers stay integers and overflow is an error, never a
 * wrap-around; an integer meeting a decimal becomes a decimal (exact). NULL in gives NULL out.
 */
public final class Arithmetic {
  /** Why 34 digits: the precision of IEEE decimal128, enough for money and never unbounded. */
  public static final MathContext DIVISION = MathContext.DECIMAL128;

  private Arithmetic() {}

  public static Object apply(BinaryOperator op, Object a, Object b, Position pos) {
    if (a == null || b == null) {
      return null;
    }
    try {
      return switch (op) {
        case ADD -> add(a, b, pos);
        case SUBTRACT -> subtract(a, b, pos);
        case MULTIPLY -> multiply(a, b, pos);
        case DIVIDE -> divide(a, b, pos);
        case MODULO -> modulo(a, b, pos);
        case CONCAT -> Values.text(a) + Values.text(b);
        default -> throw new IllegalArgumentException("not arithmetic: " + op);
      };
    } catch (ArithmeticException e) {
      throw new EvalError("integer overflow in " + op.symbol(), pos);
    }
  }

  private static Object add(Object a, Object b, Position pos) {
    if (a instanceof Long x && b instanceof Long y) {
      return Math.addExact(x, y);
    }
    if (isNumber(a) && isNumber(b)) {
      return decimal(a).add(decimal(b));
    }
    if (a instanceof Timestamp t && b instanceof Interval i) {
      return new Timestamp(Math.addExact(t.epochMs(), i.millis()));
    }
    if (a instanceof Interval i && b instanceof Timestamp t) {
      return new Timestamp(Math.addExact(t.epochMs(), i.millis()));
    }
    if (a instanceof Interval x && b instanceof Interval y) {
      return new Interval(Math.addExact(x.millis(), y.millis()));
    }
    throw mismatch("+", a, b, pos);
  }

  private static Object subtract(Object a, Object b, Position pos) {
    if (a instanceof Long x && b instanceof Long y) {
      return Math.subtractExact(x, y);
    }
    if (isNumber(a) && isNumber(b)) {
      return decimal(a).subtract(decimal(b));
    }
    if (a instanceof Timestamp t && b instanceof Interval i) {
      return new Timestamp(Math.subtractExact(t.epochMs(), i.millis()));
    }
    if (a instanceof Timestamp x && b instanceof Timestamp y) {
      return new Interval(Math.subtractExact(x.epochMs(), y.epochMs()));
    }
    if (a instanceof Interval x && b instanceof Interval y) {
      return new Interval(Math.subtractExact(x.millis(), y.millis()));
    }
    throw mismatch("-", a, b, pos);
  }

  private static Object multiply(Object a, Object b, Position pos) {
    if (a instanceof Long x && b instanceof Long y) {
      return Math.multiplyExact(x, y);
    }
    if (isNumber(a) && isNumber(b)) {
      return decimal(a).multiply(decimal(b));
    }
    if (a instanceof Interval i && b instanceof Long n) {
      return new Interval(Math.multiplyExact(i.millis(), n));
    }
    if (a instanceof Long n && b instanceof Interval i) {
      return new Interval(Math.multiplyExact(i.millis(), n));
    }
    throw mismatch("*", a, b, pos);
  }

  /** Integer division truncates toward zero, as in PostgreSQL: 7 / 2 is 3, 7.0 / 2 is 3.5. */
  private static Object divide(Object a, Object b, Position pos) {
    if (isNumber(b) && decimal(b).signum() == 0) {
      throw new EvalError("division by zero", pos);
    }
    if (a instanceof Long x && b instanceof Long y) {
      if (x == Long.MIN_VALUE && y == -1) {
        throw new ArithmeticException();
      }
      return x / y;
    }
    if (isNumber(a) && isNumber(b)) {
      return decimal(a).divide(decimal(b), DIVISION);
    }
    if (a instanceof Interval i && b instanceof Long n) {
      return new Interval(i.millis() / n);
    }
    throw mismatch("/", a, b, pos);
  }

  private static Object modulo(Object a, Object b, Position pos) {
    if (isNumber(b) && decimal(b).signum() == 0) {
      throw new EvalError("division by zero", pos);
    }
    if (a instanceof Long x && b instanceof Long y) {
      return y == -1 ? 0L : x % y;
    }
    if (isNumber(a) && isNumber(b)) {
      return decimal(a).remainder(decimal(b));
    }
    throw mismatch("%", a, b, pos);
  }

  public static Object negate(Object value, Position pos) {
    return switch (value) {
      case null -> null;
      case Long l -> {
        if (l == Long.MIN_VALUE) {
          throw new EvalError("integer overflow in -", pos);
        }
        yield -l;
      }
      case BigDecimal d -> d.negate();
      case Interval i -> new Interval(-i.millis());
      default -> throw new EvalError("cannot negate " + typeName(value), pos);
    };
  }

  private static EvalError mismatch(String symbol, Object a, Object b, Position pos) {
    return new EvalError(
        "cannot apply " + symbol + " to " + typeName(a) + " and " + typeName(b), pos);
  }

  /** Decimals from sum and avg drop trailing zeros so the result does not depend on history. */
  public static BigDecimal canonical(BigDecimal value) {
    var stripped = value.stripTrailingZeros();
    return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
  }
}
