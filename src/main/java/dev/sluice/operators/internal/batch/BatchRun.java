package dev.sluice.operators.internal.batch;

import dev.sluice.language.ast.AggregateFunction;
import dev.sluice.language.ast.PipeOp.JoinKind;
import dev.sluice.log.StreamKind;
import dev.sluice.operators.BatchEvaluator.KeyedRow;
import dev.sluice.operators.BatchEvaluator.Result;
import dev.sluice.operators.DeadLetter;
import dev.sluice.operators.Input;
import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.Timestamp;
import dev.sluice.operators.internal.KeyEncoding;
import dev.sluice.operators.internal.RowParser;
import dev.sluice.operators.internal.expr.Eval;
import dev.sluice.operators.internal.expr.EvalError;
import dev.sluice.operators.internal.expr.ExprCompiler;
import dev.sluice.operators.internal.flow.IncrementalDataflow;
import dev.sluice.operators.internal.plan.AggregateRows;
import dev.sluice.operators.internal.plan.AggregateValues;
import dev.sluice.operators.internal.plan.Node;
import dev.sluice.operators.internal.plan.Plan;
import dev.sluice.operators.internal.plan.RowTransforms;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;

/** Whole-collection evaluation of a plan; see {@code BatchEvaluator}. */
public final class BatchRun {
  /** A row of a collection, and the input it came from (null for aggregate rows). */
  private record Item(RowKey key, Row row, Input origin) {}

  private final Plan plan;
  private final List<Input> inputs;
  private final List<DeadLetter> deadLetters = new ArrayList<>();
  /** Inputs some window found too late. */
  private final java.util.Set<Input> late = new HashSet<>();

  private BatchRun(Plan plan, List<Input> inputs) {
    this.plan = plan;
    this.inputs = inputs;
  }

  public static Result run(Plan plan, List<Input> inputs) {
    return new BatchRun(plan, inputs).result();
  }

  private Result result() {
    var items = evaluate(plan.root());
    if (!containsOrderBy(plan.root())) {
      items.sort(Comparator.comparing(Item::key));
    }
    var keys = new HashSet<RowKey>();
    var rows = new ArrayList<KeyedRow>(items.size());
    for (var item : items) {
      if (!keys.add(item.key())) {
        throw new IllegalStateException("two rows with key " + item.key());
      }
      rows.add(new KeyedRow(item.key(), item.row()));
    }
    return new Result(rows, deadLetters, late.size());
  }

  private List<Item> evaluate(Node node) {
    return switch (node) {
      case Node.Source source -> collection(source);
      case Node.Filter f -> {
        var out = new ArrayList<Item>();
        for (var item : evaluate(f.input())) {
          guarded(
              item,
              () -> {
                if (ExprCompiler.passes(f.condition(), item.row(), "WHERE", f.pos())) {
                  out.add(item);
                }
              });
        }
        yield out;
      }
      case Node.Project p -> {
        var out = new ArrayList<Item>();
        for (var item : evaluate(p.input())) {
          guarded(
              item, () -> out.add(with(item, item.key(), RowTransforms.project(p, item.row()))));
        }
        yield out;
      }
      case Node.Window w -> window(w);
      case Node.Union u -> {
        var out = new ArrayList<Item>();
        for (var item : evaluate(u.left())) {
          out.add(with(item, RowKey.list(RowKey.of(0L), item.key()), item.row()));
        }
        for (var item : evaluate(u.right())) {
          out.add(with(item, RowKey.list(RowKey.of(1L), item.key()), item.row()));
        }
        yield out;
      }
      case Node.Join j -> join(j);
      case Node.Aggregate a -> aggregate(a);
      case Node.OrderBy o -> orderBy(o);
      case Node.Limit l -> {
        var all = evaluate(l.input());
        yield new ArrayList<>(all.subList(0, (int) Math.min(l.count(), all.size())));
      }
    };
  }

  /**
   * Rows into windows. A window that cuts late rows sees them as the dataflow does: each input
   * partition in offset order, keeping that partition's greatest time so far.
   */
  private List<Item> window(Node.Window w) {
    var in = evaluate(w.input());
    if (w.cutsLate()) {
      in.sort(
          Comparator.comparing((Item item) -> item.origin().source())
              .thenComparingInt(item -> item.origin().partition())
              .thenComparingLong(item -> item.origin().offset()));
    }
    var seen = new HashMap<String, Long>();
    var out = new ArrayList<Item>();
    for (var item : in) {
      guarded(
          item,
          () -> {
            var time = RowTransforms.windowTime(w, item.row());
            var partition = item.origin().source() + "\0" + item.origin().partition();
            long before = w.cutsLate() ? seen.getOrDefault(partition, Long.MIN_VALUE) : Long.MIN_VALUE;
            for (var start : RowTransforms.windowStarts(w, time)) {
              if (RowTransforms.isLate(w, start, before)) {
                late.add(item.origin());
                continue;
              }
              var key = RowKey.list(item.key(), RowKey.of(new Timestamp(start)));
              out.add(with(item, key, RowTransforms.windowed(w, item.row(), start)));
            }
            if (w.cutsLate() && time > before) {
              seen.put(partition, time);
            }
          });
    }
    return out;
  }

  /** A stream is all its events; a table the last event of each key, unless that deletes it. */
  private List<Item> collection(Node.Source source) {
    var table = new LinkedHashMap<RowKey, Item>();
    var stream = new ArrayList<Item>();
    var parser = RowParser.of(plan.wantedFields().get(source.name()));
    for (var input : inputs) {
      if (!input.source().equals(source.name())) {
        continue;
      }
      Row row = null;
      if (!input.delete()) {
        try {
          row = parser.parse(input.value(), input.envelope());
        } catch (IllegalArgumentException e) {
          deadLetters.add(letter(input, e.getMessage(), 0, 0));
          continue;
        }
      }
      if (source.kind() == StreamKind.STREAM) {
        if (row != null) {
          stream.add(new Item(IncrementalDataflow.streamKey(input), row, input));
        }
      } else if (row == null) {
        table.remove(RowKey.of(input.key()));
      } else {
        var key = RowKey.of(input.key());
        table.put(key, new Item(key, row, input));
      }
    }
    var items = source.kind() == StreamKind.STREAM ? stream : new ArrayList<>(table.values());
    items.sort(Comparator.comparing(Item::key));
    return items;
  }

  private List<Item> join(Node.Join j) {
    var byKey = new HashMap<ByteBuffer, List<Item>>();
    for (var right : evaluate(j.right())) {
      guarded(
          right,
          () -> {
            var key = joinKey(j.rightKey(), right.row());
            if (key != null) {
              byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(right);
            }
          });
    }
    var out = new ArrayList<Item>();
    for (var left : evaluate(j.left())) {
      guarded(
          left,
          () -> {
            var key = joinKey(j.leftKey(), left.row());
            var partners = key == null ? List.<Item>of() : byKey.getOrDefault(key, List.of());
            for (var right : partners) {
              out.add(
                  with(
                      left,
                      RowKey.list(left.key(), right.key()),
                      RowTransforms.join(left.row(), right.row())));
            }
            if (partners.isEmpty() && j.kind() == JoinKind.LEFT) {
              out.add(with(left, RowKey.list(left.key(), RowKey.of(null)), left.row()));
            }
          });
    }
    return out;
  }

  private static ByteBuffer joinKey(List<Eval> evals, Row row) {
    var values = new ArrayList<Object>();
    for (var eval : evals) {
      var value = eval.eval(row);
      if (value == null) {
        return null;
      }
      values.add(value);
    }
    return ByteBuffer.wrap(KeyEncoding.encode(values));
  }

  private List<Item> aggregate(Node.Aggregate a) {
    var rows = new AggregateRows(a);
    var groups = new TreeMap<RowKey, List<Object[]>>();
    if (a.groupBy().isEmpty()) {
      groups.put(AggregateRows.GLOBAL, new ArrayList<>());
    }
    for (var item : evaluate(a.input())) {
      guarded(
          item,
          () -> {
            var key = rows.groupKey(item.row());
            var arguments = rows.arguments(item.row());
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(arguments);
          });
    }
    var out = new ArrayList<Item>();
    for (var group : groups.entrySet()) {
      var values = new Object[a.calls().size()];
      for (var i = 0; i < values.length; i++) {
        values[i] = aggregateValue(a.calls().get(i), i, group.getValue());
      }
      var row =
          rows.output(
              group.getKey(),
              values,
              e ->
                  deadLetters.add(
                      letter(null, e.getMessage(), e.position().line(), e.position().column())));
      out.add(new Item(group.getKey(), row, null));
    }
    return out;
  }

  /** Each aggregate straight from its definition, over the group's argument values. */
  private static Object aggregateValue(Node.Call call, int index, List<Object[]> group) {
    if (call.argument() == null) {
      return (long) group.size();
    }
    var values = group.stream().map(arguments -> arguments[index]).filter(v -> v != null).toList();
    if (call.function() == AggregateFunction.COUNT) {
      return call.distinct()
          ? values.stream().map(v -> ByteBuffer.wrap(KeyEncoding.encode(v))).distinct().count()
          : (long) values.size();
    }
    if (values.isEmpty()) {
      return null;
    }
    return switch (call.function()) {
      case SUM, AVG -> {
        Object sum = 0L;
        var decimals = 0L;
        for (var value : values) {
          sum = AggregateValues.add(sum, value);
          decimals += value instanceof java.math.BigDecimal ? 1 : 0;
        }
        yield call.function() == AggregateFunction.SUM
            ? AggregateValues.sum(sum, decimals)
            : AggregateValues.average(sum, values.size());
      }
      case MIN, MAX -> {
        Comparator<byte[]> order = Arrays::compareUnsigned;
        var encoded = values.stream().map(KeyEncoding::encode);
        var extreme =
            call.function() == AggregateFunction.MIN ? encoded.min(order) : encoded.max(order);
        yield KeyEncoding.decode(extreme.orElseThrow());
      }
      case COUNT -> throw new IllegalStateException("count is handled above");
    };
  }

  /** Stable sort; NULLs last ascending, first descending; values in key order otherwise. */
  private List<Item> orderBy(Node.OrderBy o) {
    var items = evaluate(o.input());
    var sortKeys = new HashMap<Item, byte[][]>();
    for (var item : items) {
      var keys = new byte[o.keys().size()][];
      for (var i = 0; i < keys.length; i++) {
        try {
          var value = o.keys().get(i).eval(item.row());
          keys[i] = value == null ? null : KeyEncoding.encode(value);
        } catch (EvalError e) {
          deadLetters.add(
              letter(item.origin(), e.getMessage(), e.position().line(), e.position().column()));
        }
      }
      sortKeys.put(item, keys);
    }
    var sorted = new ArrayList<>(items);
    sorted.sort(
        (x, y) -> {
          var a = sortKeys.get(x);
          var b = sortKeys.get(y);
          for (var i = 0; i < a.length; i++) {
            var c =
                a[i] == null
                    ? (b[i] == null ? 0 : 1)
                    : b[i] == null ? -1 : Arrays.compareUnsigned(a[i], b[i]);
            if (c != 0) {
              return o.descending().get(i) ? -c : c;
            }
          }
          return 0;
        });
    return sorted;
  }

  private static boolean containsOrderBy(Node node) {
    return switch (node) {
      case Node.OrderBy o -> true;
      case Node.Limit l -> containsOrderBy(l.input());
      case Node.Filter f -> containsOrderBy(f.input());
      case Node.Project p -> containsOrderBy(p.input());
      default -> false;
    };
  }

  private static Item with(Item item, RowKey key, Row row) {
    return new Item(key, row, item.origin());
  }

  /** Runs one row's work; an expression failing on it makes a dead letter instead. */
  private void guarded(Item item, Runnable work) {
    try {
      work.run();
    } catch (EvalError e) {
      deadLetters.add(
          letter(item.origin(), e.getMessage(), e.position().line(), e.position().column()));
    }
  }

  private static DeadLetter letter(Input origin, String reason, int line, int column) {
    return origin == null
        ? new DeadLetter("", -1, -1, reason, line, column)
        : new DeadLetter(
            origin.source(), origin.partition(), origin.offset(), reason, line, column);
  }
}
