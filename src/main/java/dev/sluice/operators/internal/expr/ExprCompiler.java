package dev.sluice.operators.internal.expr;

import dev.sluice.language.ast.BinaryOperator;
import dev.sluice.language.ast.Expr;
import dev.sluice.operators.Interval;
import dev.sluice.operators.Row;
import java.util.List;
import java.util.Map;

/**
 * Turns an expression tree into a tree of {@link Eval} closures, once per plan, so that rows are
 * not interpreted by walking the syntax tree. What names mean is the {@link Scope}'s business.
 */
public final class ExprCompiler {
  /** Resolves what the expression refers to, and refuses what it may not refer to here. */
  public interface Scope {
    Eval field(Expr.Field field);

    Eval aggregate(Expr.AggregateCall call);

    /** {@code now()}: a constant in an ad-hoc query, refused in a view. */
    Eval now(Expr.Call call);
  }

  private final Scope scope;

  private ExprCompiler(Scope scope) {
    this.scope = scope;
  }

  public static Eval compile(Expr expr, Scope scope) {
    return new ExprCompiler(scope).compile(expr);
  }

  /** Reads a field path: a top-level field, then members of nested objects; NULL if missing. */
  public static Eval path(List<String> path) {
    var first = path.getFirst().intern();
    if (path.size() == 1) {
      return new FieldRead(first);
    }
    var rest = path.subList(1, path.size()).toArray(String[]::new);
    return row -> {
      var value = row.get(first);
      for (var member : rest) {
        if (!(value instanceof Map<?, ?> map)) {
          return null;
        }
        value = map.get(member);
      }
      return value;
    };
  }

  /** Reads an envelope field such as {@code _time}; NULL on a row that no longer has one. */
  public static Eval envelope(String name) {
    return row -> {
      var envelope = row.envelope();
      return envelope.isEmpty() ? null : envelope.get().field(name);
    };
  }

  private Eval compile(Expr expr) {
    return switch (expr) {
      case Expr.NullLiteral n -> constant(null);
      case Expr.BooleanLiteral b -> constant(b.value());
      case Expr.IntegerLiteral i -> constant(i.value());
      case Expr.DecimalLiteral d -> constant(d.value());
      case Expr.StringLiteral s -> constant(s.value());
      case Expr.IntervalLiteral i -> constant(new Interval(i.millis()));
      case Expr.Field f -> scope.field(f);
      case Expr.Negate n -> {
        var operand = compile(n.operand());
        yield row -> Arithmetic.negate(operand.eval(row), n.pos());
      }
      case Expr.Not n -> {
        var operand = compile(n.operand());
        yield row -> {
          var value = operand.eval(row);
          return value == null ? null : !Values.truth(value, "NOT", n.pos());
        };
      }
      case Expr.Binary b -> binary(b);
      case Expr.In in -> in(in);
      case Expr.Like like -> like(like);
      case Expr.Between between -> between(between);
      case Expr.IsNull isNull -> {
        var value = compile(isNull.value());
        var negated = isNull.negated();
        yield row -> (value.eval(row) == null) != negated;
      }
      case Expr.Case c -> caseOf(c);
      case Expr.Call call ->
          call.function().equals("now")
              ? scope.now(call)
              : Functions.compile(call.function(), compileAll(call.arguments()), call.pos());
      case Expr.AggregateCall call -> scope.aggregate(call);
    };
  }

  private static Eval constant(Object value) {
    return new Constant(value);
  }

  // The shapes below are records, not lambdas, so that a view's hot path can see what they are
  // and evaluate them over field values without a Row (SlotEval); the logic is in one place.

  /** A top-level field of the row. */
  public record FieldRead(String name) implements Eval {
    @Override
    public Object eval(Row row) {
      return row.get(name);
    }
  }

  public record Constant(Object value) implements Eval {
    @Override
    public Object eval(Row row) {
      return value;
    }
  }

  /** {@code =, <>, <, <=, >, >=}: NULL when either side is. */
  public record Comparison(BinaryOperator op, Eval left, Eval right, Expr.Binary written) implements Eval {
    @Override
    public Object eval(Row row) {
      return of(left.eval(row), right.eval(row));
    }

    /** The comparison's value for the two sides' values. */
    public Object of(Object l, Object r) {
      if (l == null || r == null) {
        return null;
      }
      var c = Values.compare(l, r, op == BinaryOperator.EQ || op == BinaryOperator.NE, written.pos());
      return switch (op) {
        case EQ -> c == 0;
        case NE -> c != 0;
        case LT -> c < 0;
        case LE -> c <= 0;
        case GT -> c > 0;
        default -> c >= 0;
      };
    }
  }

  /** AND and OR, the SQL way: the left side alone may decide; NULL is unknown. */
  public record Logical(boolean and, Eval left, Eval right, dev.sluice.language.ast.Position pos) implements Eval {
    @Override
    public Object eval(Row row) {
      var l = left.eval(row);
      return decides(l) ? !and : of(l, right.eval(row));
    }

    /** Whether the left side's value decides: FALSE for AND, TRUE for OR. */
    public boolean decides(Object l) {
      return l != null && Values.truth(l, name(), pos) != and;
    }

    /** The value, when the left side did not decide. */
    public Object of(Object l, Object r) {
      if (r != null && Values.truth(r, name(), pos) != and) {
        return !and;
      }
      return l == null || r == null ? null : and;
    }

    private String name() {
      return and ? "AND" : "OR";
    }
  }

  private List<Eval> compileAll(List<Expr> exprs) {
    return exprs.stream().map(this::compile).toList();
  }

  private Eval binary(Expr.Binary b) {
    var left = compile(b.left());
    var right = compile(b.right());
    var pos = b.pos();
    return switch (b.op()) {
      case AND -> new Logical(true, left, right, pos);
      case OR -> new Logical(false, left, right, pos);
      case EQ, NE, LT, LE, GT, GE -> new Comparison(b.op(), left, right, b);
      default -> row -> Arithmetic.apply(b.op(), left.eval(row), right.eval(row), pos);
    };
  }

  /** SQL IN: TRUE on a match; otherwise NULL if anything was NULL, else FALSE. */
  private Eval in(Expr.In in) {
    var value = compile(in.value());
    var list = compileAll(in.list()).toArray(Eval[]::new);
    var negated = in.negated();
    return row -> {
      var v = value.eval(row);
      if (v == null) {
        return null;
      }
      var sawNull = false;
      for (var candidate : list) {
        var c = candidate.eval(row);
        if (c == null) {
          sawNull = true;
        } else if (Values.compare(v, c, true, in.pos()) == 0) {
          return !negated;
        }
      }
      return sawNull ? null : negated;
    };
  }

  private Eval like(Expr.Like like) {
    var value = compile(like.value());
    var negated = like.negated();
    var pos = like.pos();
    if (like.pattern() instanceof Expr.StringLiteral literal) {
      var pattern = LikePattern.compile(literal.value());
      return row -> {
        var v = value.eval(row);
        return v == null ? null : pattern.matcher(likeText(v, pos)).matches() != negated;
      };
    }
    var patternEval = compile(like.pattern());
    return row -> {
      var v = value.eval(row);
      var p = patternEval.eval(row);
      if (v == null || p == null) {
        return null;
      }
      return LikePattern.compile(likeText(p, pos)).matcher(likeText(v, pos)).matches() != negated;
    };
  }

  private static String likeText(Object value, dev.sluice.language.ast.Position pos) {
    if (value instanceof String s) {
      return s;
    }
    throw new EvalError("LIKE needs strings, got " + Values.typeName(value), pos);
  }

  private Eval between(Expr.Between between) {
    var value = compile(between.value());
    var low = compile(between.low());
    var high = compile(between.high());
    var pos = between.pos();
    var negated = between.negated();
    return row -> {
      var v = value.eval(row);
      var lo = low.eval(row);
      var hi = high.eval(row);
      var aboveLow = v == null || lo == null ? null : Values.compare(v, lo, false, pos) >= 0;
      var belowHigh = v == null || hi == null ? null : Values.compare(v, hi, false, pos) <= 0;
      Boolean inside;
      if (Boolean.FALSE.equals(aboveLow) || Boolean.FALSE.equals(belowHigh)) {
        inside = false;
      } else if (aboveLow == null || belowHigh == null) {
        inside = null;
      } else {
        inside = true;
      }
      return inside == null ? null : inside != negated;
    };
  }

  private Eval caseOf(Expr.Case c) {
    var operand = c.operand().map(this::compile).orElse(null);
    var conditions = c.whens().stream().map(w -> compile(w.condition())).toArray(Eval[]::new);
    var results = c.whens().stream().map(w -> compile(w.result())).toArray(Eval[]::new);
    var otherwise = c.otherwise().map(this::compile).orElse(row -> null);
    var pos = c.pos();
    return row -> {
      var subject = operand == null ? null : operand.eval(row);
      for (var i = 0; i < conditions.length; i++) {
        var condition = conditions[i].eval(row);
        var matched =
            operand == null
                ? condition != null && Values.truth(condition, "WHEN", pos)
                : Boolean.TRUE.equals(Values.sqlEquals(subject, condition, pos));
        if (matched) {
          return results[i].eval(row);
        }
      }
      return otherwise.eval(row);
    };
  }

  /** Evaluates a condition the SQL way: only TRUE passes; NULL and FALSE do not. */
  public static boolean passes(
      Eval condition, Row row, String where, dev.sluice.language.ast.Position pos) {
    var value = condition.eval(row);
    return value != null && Values.truth(value, where, pos);
  }
}
