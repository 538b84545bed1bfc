package dev.sluice.language.ast;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** An expression: the closed set of forms the parser produces. */
public sealed interface Expr
    permits Expr.Literal,
        Expr.Field,
        Expr.Negate,
        Expr.Not,
        Expr.Binary,
        Expr.In,
        Expr.Like,
        Expr.Between,
        Expr.IsNull,
        Expr.Case,
        Expr.Call,
        Expr.AggregateCall {

  Position pos();

  /** Source text that parses back to this expression, with only the parentheses it needs. */
  default String toSql() {
    return ExprPrinter.print(this);
  }

  /** A constant; also the value of a {@code WITH (name = literal)} option. */
  sealed interface Literal extends Expr
      permits NullLiteral,
          BooleanLiteral,
          IntegerLiteral,
          DecimalLiteral,
          StringLiteral,
          IntervalLiteral {}

  record NullLiteral(Position pos) implements Literal {
    public NullLiteral {
      Objects.requireNonNull(pos, "pos");
    }
  }

  record BooleanLiteral(boolean value, Position pos) implements Literal {
    public BooleanLiteral {
      Objects.requireNonNull(pos, "pos");
    }
  }

  record IntegerLiteral(long value, Position pos) implements Literal {
    public IntegerLiteral {
      Objects.requireNonNull(pos, "pos");
    }
  }

  /** Written with a decimal point; the scale is kept, so {@code 1.50} stays two places. */
  record DecimalLiteral(BigDecimal value, Position pos) implements Literal {
    public DecimalLiteral {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(pos, "pos");
      if (value.scale() < 1) {
        throw new IllegalArgumentException(
            "a decimal literal has digits after its point: " + value);
      }
    }
  }

  record StringLiteral(String value, Position pos) implements Literal {
    public StringLiteral {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record IntervalLiteral(long amount, IntervalUnit unit, Position pos) implements Literal {
    public IntervalLiteral {
      Objects.requireNonNull(unit, "unit");
      Objects.requireNonNull(pos, "pos");
      if (amount < 0) {
        throw new IllegalArgumentException("an interval amount is never negative: " + amount);
      }
    }

    /** The length in milliseconds; throws ArithmeticException past about 292 million years. */
    public long millis() {
      return Math.multiplyExact(amount, unit.millis());
    }
  }

  /**
   * A field of the event value ({@code customer.address.city}) or, when the first segment starts
   * with {@code _}, of the envelope ({@code _key}, {@code _time}, …).
   */
  record Field(List<String> path, Position pos) implements Expr {
    public Field {
      path = List.copyOf(path);
      Objects.requireNonNull(pos, "pos");
      if (path.isEmpty() || path.stream().anyMatch(String::isEmpty)) {
        throw new IllegalArgumentException("a field path has non-empty segments: " + path);
      }
    }
  }

  record Negate(Expr operand, Position pos) implements Expr {
    public Negate {
      Objects.requireNonNull(operand, "operand");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record Not(Expr operand, Position pos) implements Expr {
    public Not {
      Objects.requireNonNull(operand, "operand");
      Objects.requireNonNull(pos, "pos");
    }
  }

  /** Its position is the operator's, where a type error between the operands is best shown. */
  record Binary(BinaryOperator op, Expr left, Expr right, Position pos) implements Expr {
    public Binary {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(left, "left");
      Objects.requireNonNull(right, "right");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record In(Expr value, List<Expr> list, boolean negated, Position pos) implements Expr {
    public In {
      Objects.requireNonNull(value, "value");
      list = List.copyOf(list);
      Objects.requireNonNull(pos, "pos");
      if (list.isEmpty()) {
        throw new IllegalArgumentException("IN needs at least one value");
      }
    }
  }

  record Like(Expr value, Expr pattern, boolean negated, Position pos) implements Expr {
    public Like {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record Between(Expr value, Expr low, Expr high, boolean negated, Position pos) implements Expr {
    public Between {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(low, "low");
      Objects.requireNonNull(high, "high");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record IsNull(Expr value, boolean negated, Position pos) implements Expr {
    public IsNull {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(pos, "pos");
    }
  }

  /** Searched CASE when {@code operand} is empty; simple CASE compares it with each WHEN. */
  record Case(Optional<Expr> operand, List<When> whens, Optional<Expr> otherwise, Position pos)
      implements Expr {
    public Case {
      Objects.requireNonNull(operand, "operand");
      whens = List.copyOf(whens);
      Objects.requireNonNull(otherwise, "otherwise");
      Objects.requireNonNull(pos, "pos");
      if (whens.isEmpty()) {
        throw new IllegalArgumentException("CASE needs at least one WHEN");
      }
    }
  }

  record When(Expr condition, Expr result, Position pos) {
    public When {
      Objects.requireNonNull(condition, "condition");
      Objects.requireNonNull(result, "result");
      Objects.requireNonNull(pos, "pos");
    }
  }

  /** A call of a scalar function from {@code Builtins}, by its lower-case name. */
  record Call(String function, List<Expr> arguments, Position pos) implements Expr {
    public Call {
      Objects.requireNonNull(function, "function");
      arguments = List.copyOf(arguments);
      Objects.requireNonNull(pos, "pos");
    }
  }

  /** An aggregate; an empty argument is {@code count(*)}. Only AGGREGATE items contain these. */
  record AggregateCall(
      AggregateFunction function, Optional<Expr> argument, boolean distinct, Position pos)
      implements Expr {
    public AggregateCall {
      Objects.requireNonNull(function, "function");
      Objects.requireNonNull(argument, "argument");
      Objects.requireNonNull(pos, "pos");
      if (argument.isEmpty() && (function != AggregateFunction.COUNT || distinct)) {
        throw new IllegalArgumentException("only count(*) goes without an argument");
      }
      if (distinct && function != AggregateFunction.COUNT) {
        throw new IllegalArgumentException("only count takes DISTINCT");
      }
    }
  }
}
