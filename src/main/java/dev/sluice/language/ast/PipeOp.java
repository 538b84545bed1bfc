package dev.sluice.language.ast;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** One step of a pipeline, written after {@code |>}. Its position is its first keyword's. */
public sealed interface PipeOp
    permits PipeOp.Where,
        PipeOp.Select,
        PipeOp.Extend,
        PipeOp.Aggregate,
        PipeOp.Join,
        PipeOp.UnionAll,
        PipeOp.TumblingWindow,
        PipeOp.HoppingWindow,
        PipeOp.OrderBy,
        PipeOp.Limit {

  Position pos();

  record Where(Expr condition, Position pos) implements PipeOp {
    public Where {
      Objects.requireNonNull(condition, "condition");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record Select(List<SelectItem> items, Position pos) implements PipeOp {
    public Select {
      items = nonEmpty(items, "SELECT");
      Objects.requireNonNull(pos, "pos");
    }
  }

  /** Adds fields; every item has an alias, the new field's name. */
  record Extend(List<Projection> items, Position pos) implements PipeOp {
    public Extend {
      items = nonEmpty(items, "EXTEND");
      Objects.requireNonNull(pos, "pos");
      if (items.stream().anyMatch(item -> item.alias().isEmpty())) {
        throw new IllegalArgumentException("every EXTEND item is named");
      }
    }
  }

  /** Either list may be empty, not both: {@code AGGREGATE GROUP BY k} lists the distinct keys. */
  record Aggregate(List<Projection> aggregates, List<Projection> groupBy, Position pos)
      implements PipeOp {
    public Aggregate {
      aggregates = List.copyOf(aggregates);
      groupBy = List.copyOf(groupBy);
      Objects.requireNonNull(pos, "pos");
      if (aggregates.isEmpty() && groupBy.isEmpty()) {
        throw new IllegalArgumentException("AGGREGATE needs aggregates or GROUP BY");
      }
    }
  }

  record Join(JoinKind kind, Name table, JoinCondition condition, Position pos) implements PipeOp {
    public Join {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(table, "table");
      Objects.requireNonNull(condition, "condition");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record UnionAll(Pipeline other, Position pos) implements PipeOp {
    public UnionAll {
      Objects.requireNonNull(other, "other");
      Objects.requireNonNull(pos, "pos");
    }
  }

  /**
   * {@code WINDOW TUMBLE(time, size) [LATENESS interval]}: adds window_start and window_end.
   * {@code lateness} is how long after a window ends it still takes rows; empty for the default.
   */
  record TumblingWindow(
      Expr time, Expr.IntervalLiteral size, Optional<Expr.IntervalLiteral> lateness, Position pos)
      implements PipeOp {
    public TumblingWindow {
      Objects.requireNonNull(time, "time");
      Objects.requireNonNull(size, "size");
      Objects.requireNonNull(lateness, "lateness");
      Objects.requireNonNull(pos, "pos");
    }

    public TumblingWindow(Expr time, Expr.IntervalLiteral size, Position pos) {
      this(time, size, Optional.empty(), pos);
    }
  }

  /**
   * {@code WINDOW HOP(time, size, advance) [LATENESS interval]}: each row lands in every window
   * covering it.
   */
  record HoppingWindow(
      Expr time,
      Expr.IntervalLiteral size,
      Expr.IntervalLiteral advance,
      Optional<Expr.IntervalLiteral> lateness,
      Position pos)
      implements PipeOp {
    public HoppingWindow {
      Objects.requireNonNull(time, "time");
      Objects.requireNonNull(size, "size");
      Objects.requireNonNull(advance, "advance");
      Objects.requireNonNull(lateness, "lateness");
      Objects.requireNonNull(pos, "pos");
    }

    public HoppingWindow(
        Expr time, Expr.IntervalLiteral size, Expr.IntervalLiteral advance, Position pos) {
      this(time, size, advance, Optional.empty(), pos);
    }
  }

  record OrderBy(List<SortKey> keys, Position pos) implements PipeOp {
    public OrderBy {
      keys = nonEmpty(keys, "ORDER BY");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record Limit(long count, Position pos) implements PipeOp {
    public Limit {
      Objects.requireNonNull(pos, "pos");
      if (count < 0) {
        throw new IllegalArgumentException("LIMIT is never negative: " + count);
      }
    }
  }

  sealed interface SelectItem permits Star, Projection {
    Position pos();
  }

  /** {@code *}: every field of the input row. */
  record Star(Position pos) implements SelectItem {
    public Star {
      Objects.requireNonNull(pos, "pos");
    }
  }

  /** {@code expr [AS alias]}; where it stands is where its expression stands. */
  record Projection(Expr expr, Optional<Name> alias) implements SelectItem {
    public Projection {
      Objects.requireNonNull(expr, "expr");
      Objects.requireNonNull(alias, "alias");
    }

    @Override
    public Position pos() {
      return expr.pos();
    }
  }

  enum JoinKind {
    INNER,
    LEFT
  }

  sealed interface JoinCondition permits Using, On {
    Position pos();
  }

  record Using(List<Expr.Field> fields, Position pos) implements JoinCondition {
    public Using {
      fields = nonEmpty(fields, "USING");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record On(Expr condition, Position pos) implements JoinCondition {
    public On {
      Objects.requireNonNull(condition, "condition");
      Objects.requireNonNull(pos, "pos");
    }
  }

  enum SortOrder {
    ASC,
    DESC
  }

  record SortKey(Expr expr, SortOrder order) {
    public SortKey {
      Objects.requireNonNull(expr, "expr");
      Objects.requireNonNull(order, "order");
    }

    public Position pos() {
      return expr.pos();
    }
  }

  private static <T> List<T> nonEmpty(List<T> items, String what) {
    var copy = List.copyOf(items);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException(what + " needs at least one item");
    }
    return copy;
  }
}
