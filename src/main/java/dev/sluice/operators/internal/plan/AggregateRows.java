package dev.sluice.operators.internal.plan;

import static dev.sluice.operators.internal.expr.Values.typeName;

import dev.sluice.language.ast.AggregateFunction;
import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.internal.expr.EvalError;
import dev.sluice.operators.internal.expr.Values;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * The row-level half of AGGREGATE, shared by the dataflow and the batch evaluator: a row's group
 * key and aggregate arguments, and a group's output row from its aggregate values.
 */
public final class AggregateRows {
  /** The key of the one group of an AGGREGATE without GROUP BY. */
  public static final RowKey GLOBAL = RowKey.of(List.of());

  /** Why a limit: state keys name a call in one byte. */
  static final int CALLS_MAX = 255;

  private final Node.Aggregate node;
  private final String[] outputNames;
  private final String[] slotNames;

  public AggregateRows(Node.Aggregate node) {
    if (node.calls().size() > CALLS_MAX) {
      throw new IllegalArgumentException("more than " + CALLS_MAX + " aggregates in one AGGREGATE");
    }
    this.node = node;
    var groups = node.groupNames().size();
    outputNames = new String[groups + node.itemNames().size()];
    slotNames = new String[groups + node.calls().size()];
    for (var i = 0; i < groups; i++) {
      outputNames[i] = node.groupNames().get(i).intern();
      slotNames[i] = outputNames[i];
    }
    for (var i = 0; i < node.itemNames().size(); i++) {
      outputNames[groups + i] = node.itemNames().get(i).intern();
    }
    for (var i = 0; i < node.calls().size(); i++) {
      slotNames[groups + i] = "$" + i;
    }
  }

  /** The group's key: its one value, or the list of its values; numbers made canonical. */
  public RowKey groupKey(Row row) {
    var groupBy = node.groupBy();
    if (groupBy.isEmpty()) {
      return GLOBAL;
    }
    if (groupBy.size() == 1) {
      return RowKey.of(groupBy.getFirst().eval(row));
    }
    var values = new Object[groupBy.size()];
    for (var i = 0; i < values.length; i++) {
      values[i] = groupBy.get(i).eval(row);
    }
    return groupKey(values);
  }

  /** The key of the group whose GROUP BY values are {@code values} (which it keeps). */
  public static RowKey groupKey(Object[] values) {
    return switch (values.length) {
      case 0 -> GLOBAL;
      case 1 -> RowKey.of(values[0]);
      default -> RowKey.of(Collections.unmodifiableList(Arrays.asList(values)));
    };
  }

  /** The argument of each call on this row (NULL for count(*)); sum and avg need numbers. */
  public Object[] arguments(Row row) {
    var calls = node.calls();
    var values = new Object[calls.size()];
    for (var i = 0; i < values.length; i++) {
      var call = calls.get(i);
      if (call.argument() == null) {
        continue;
      }
      values[i] = checked(call, call.argument().eval(row));
    }
    return values;
  }

  /** The call's argument value, refused when the call cannot take it: sum and avg need numbers. */
  public static Object checked(Node.Call call, Object value) {
    var numeric =
        call.function() == AggregateFunction.SUM || call.function() == AggregateFunction.AVG;
    if (numeric && value != null && !Values.isNumber(value)) {
      throw new EvalError(
          call.function().sqlName() + " needs numbers, got " + typeName(value), call.pos());
    }
    return value;
  }

  /**
   * The group's row. An item that fails (say a division by a zero count) is NULL, and the error
   * goes to {@code errors} when given.
   */
  public Row output(RowKey group, Object[] aggregates, Consumer<EvalError> errors) {
    var groups = node.groupNames().size();
    var slots = new Object[slotNames.length];
    if (groups == 1) {
      slots[0] = group.value();
    } else if (groups > 1) {
      var values = (List<?>) group.value();
      for (var i = 0; i < groups; i++) {
        slots[i] = values.get(i);
      }
    }
    System.arraycopy(aggregates, 0, slots, groups, aggregates.length);
    var slotRow = Row.wrap(slotNames, slots, null);
    var values = Arrays.copyOf(slots, outputNames.length);
    for (var i = 0; i < node.items().size(); i++) {
      try {
        values[groups + i] = node.items().get(i).eval(slotRow);
      } catch (EvalError e) {
        values[groups + i] = null;
        if (errors != null) {
          errors.accept(e);
        }
      }
    }
    return Row.wrap(outputNames, values, null);
  }
}
