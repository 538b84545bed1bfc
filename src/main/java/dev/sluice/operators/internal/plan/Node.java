package dev.sluice.operators.internal.plan;

import dev.sluice.language.ast.AggregateFunction;
import dev.sluice.language.ast.PipeOp.JoinKind;
import dev.sluice.language.ast.Position;
import dev.sluice.log.StreamKind;
import dev.sluice.operators.internal.expr.Eval;
import java.util.List;

/**
 * A checked, compiled pipeline: a tree of relational operators over collections of rows. The
 * incremental dataflow and the batch evaluator both run this one tree, so they cannot disagree
 * about what a name or an expression means, only about how to compute it.
 */
public sealed interface Node {

  /** A stream or table as a collection; {@code leaf} numbers the occurrences of sources. */
  record Source(String name, StreamKind kind, int leaf) implements Node {}

  record Filter(Node input, Eval condition, Position pos) implements Node {}

  /** SELECT and EXTEND: the items in order; a field named twice keeps the later value. */
  record Project(Node input, List<Item> items) implements Node {}

  sealed interface Item permits AllFields, Computed {}

  /** {@code *}: every field of the input row. */
  record AllFields() implements Item {}

  record Computed(String name, Eval value) implements Item {}

  /**
   * TUMBLE when {@code advanceMs == sizeMs}; each row lands in every window covering its time.
   * {@code latenessMs} ≥ 0: a row is late for a window that ended at least that long before the
   * greatest time seen earlier in its input partition, and is not counted there; -1: no row is
   * ever late (the input can retract rows, and a retraction must meet what it retracts).
   */
  record Window(Node input, Eval time, long sizeMs, long advanceMs, long latenessMs, Position pos)
      implements Node {
    public boolean cutsLate() {
      return latenessMs >= 0;
    }
  }

  /** Rows of {@code left} with the rows of the table {@code right} whose join key is equal. */
  record Join(
      Node left, Source right, JoinKind kind, List<Eval> leftKey, List<Eval> rightKey, Position pos)
      implements Node {}

  /** Bag union: keys become [0, key] and [1, key] so rows of the two sides never collide. */
  record Union(Node left, Node right) implements Node {}

  /**
   * One output row per group: the group fields, then each item evaluated over a row holding the
   * group fields and the aggregate values as {@code $0, $1, …}.
   */
  record Aggregate(
      Node input,
      List<String> groupNames,
      List<Eval> groupBy,
      List<Call> calls,
      List<String> itemNames,
      List<Eval> items,
      Position pos)
      implements Node {}

  /** One aggregate call; {@code argument} is null for {@code count(*)}. */
  record Call(AggregateFunction function, Eval argument, boolean distinct, Position pos) {}

  /** Ad-hoc queries only. */
  record OrderBy(Node input, List<Eval> keys, List<Boolean> descending, Position pos)
      implements Node {}

  /** Ad-hoc queries only. */
  record Limit(Node input, long count) implements Node {}
}
