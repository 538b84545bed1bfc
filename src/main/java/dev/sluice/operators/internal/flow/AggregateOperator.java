package dev.sluice.operators.internal.flow;

import static dev.sluice.language.ast.AggregateFunction.MAX;

import dev.sluice.operators.Change;
import dev.sluice.operators.DeadLetter;
import dev.sluice.operators.HeldBack;
import dev.sluice.operators.State;
import dev.sluice.operators.ViewChange;
import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.internal.FieldScanner;
import dev.sluice.operators.internal.KeyEncoding;
import dev.sluice.operators.internal.expr.EvalError;
import dev.sluice.operators.internal.plan.AggregateRows;
import dev.sluice.operators.internal.plan.AggregateValues;
import dev.sluice.operators.internal.plan.Node;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;

/**
 * GROUP BY under inserts and retractions. Each change updates its group's totals and replaces the
 * group's output row (retract old, insert new); a group whose last row is retracted disappears. Min
 * and max keep every value in a multiset ordered by {@link KeyEncoding}, so retracting the current
 * extreme finds the next one. Without GROUP BY there is one group, present even when empty.
 *
 * <p>State: {@code id 0 groupKey → GroupState}; {@code id 1 groupKey call value → count} for min
 * (ascending), max (complemented, so the largest comes first) and count(DISTINCT).
 */
final class AggregateOperator extends Operator {
  private final Node.Aggregate node;
  private final AggregateRows rows;
  private final byte[] groupPrefix;
  private final byte[] valuePrefix;
  private final int calls;
  /** Whether its rows are the view's: it may then hold changes back until the commit. */
  private final boolean last;

  AggregateOperator(Node.Aggregate node, int id, boolean last) {
    this.last = last;
    this.node = node;
    this.rows = new AggregateRows(node);
    this.groupPrefix = prefix(id, 0);
    this.valuePrefix = prefix(id, 1);
    this.calls = node.calls().size();
    this.kinds = new byte[calls];
    var all = true;
    for (var i = 0; i < calls; i++) {
      var call = node.calls().get(i);
      switch (call.function()) {
        case COUNT -> {
          all &= !call.distinct();
          kinds[i] = call.argument() == null ? ROWS_ONLY : COUNT_ONE;
        }
        case SUM, AVG -> kinds[i] = call.argument() == null ? ROWS_ONLY : SUM_ONE;
        default -> all = false;
      }
    }
    this.simple = all;
  }

  Node.Aggregate node() {
    return node;
  }

  @Override
  void initialize(FlowContext context) {
    if (node.groupBy().isEmpty()) {
      var key = AggregateRows.GLOBAL;
      emit(Change.insert(key, output(key, new GroupState(calls), context, true)), context);
    }
  }

  @Override
  void push(int port, Change change, FlowContext context) {
    RowKey group;
    Object[] arguments;
    try {
      group = rows.groupKey(change.row());
      arguments = rows.arguments(change.row());
    } catch (EvalError e) {
      context.deadLetter(e);
      return;
    }
    var heldBack = last ? context.state.heldBack() : null;
    if (heldBack != null) {
      pushHeld(heldBack, group, arguments, change, context);
      return;
    }
    var stateKey = concat(groupPrefix, group.bytes());
    var stored = context.state.object(stateKey, bytes -> GroupState.decode(bytes, calls));
    var state = stored == null ? new GroupState(calls) : stored;
    var global = node.groupBy().isEmpty();
    var before = stored != null || global ? output(group, state, context, false) : null;
    if (stored == null && !change.isInsert()) {
      throw new IllegalStateException("retraction from group " + group + " that holds no rows");
    }
    update(group, state, arguments, change.weight(), context);
    Row after = null;
    if (state.rows() > 0) {
      context.state.putObject(stateKey, state, GroupState::encode);
      after = output(group, state, context, true);
    } else {
      context.state.delete(stateKey);
      after = global ? output(group, state, context, true) : null;
    }
    if (before != null && before.equals(after)) {
      return;
    }
    if (before != null) {
      emit(Change.retract(group, before), context);
    }
    if (after != null) {
      emit(Change.insert(group, after), context);
    }
  }

  /**
   * Updates the group's totals and holds its row back: the totals are read once, when the group is
   * first touched, and kept with the held key; the row before is computed then, the row after and
   * the totals' encoding at {@link #flush}. An input costs no output rows and no state write.
   */
  private void pushHeld(HeldBack heldBack, RowKey group, Object[] arguments, Change change, FlowContext context) {
    var held = heldBack.get(group);
    if (held == null) {
      held = hold(heldBack, group, context);
    }
    fold(heldBack, held);
    var state = (GroupState) held.value;
    if (state.rows() == 0 && !change.isInsert()) {
      throw new IllegalStateException("retraction from group " + group + " that holds no rows");
    }
    held.touchedBy(context.input());
    update(group, state, arguments, change.weight(), context);
    context.touched(group);
  }

  /**
   * Holds a group first touched in this commit: reads its totals, which the held key keeps (as
   * {@link HeldBack.Held#value}, a {@link GroupState}) until the flush, and its row before.
   */
  HeldBack.Held hold(HeldBack heldBack, RowKey group, FlowContext context) {
    var stored = context.state.object(concat(groupPrefix, group.bytes()), bytes -> GroupState.decode(bytes, calls));
    var state = stored == null ? new GroupState(calls) : stored;
    var before = stored != null || node.groupBy().isEmpty() ? output(group, state, context, false) : null;
    var held = heldBack.hold(group, before);
    held.value = state;
    return held;
  }

  /**
   * Adds one input with these arguments to a held group: as {@link #update} with weight 1, with
   * count and sum done here without looking their calls up again. An argument may be {@link
   * FieldScanner#LONG}: the integer {@code longValue}, not boxed.
   */
  void insertHeld(HeldBack.Held held, Object[] arguments, long longValue, FlowContext context) {
    if (!simple) {
      for (var i = 0; i < calls; i++) {
        if (arguments[i] == FieldScanner.LONG) {
          arguments[i] = longValue;
        }
      }
      update(held.key, (GroupState) held.value, arguments, 1, context);
      return;
    }
    var state = (GroupState) held.value;
    state.addRows(1);
    for (var i = 0; i < calls; i++) {
      var value = arguments[i];
      if (value == null) {
        continue;
      }
      if (value == FieldScanner.LONG) {
        state.addCount(i, 1);
        if (kinds[i] == SUM_ONE) {
          state.addToSum(i, longValue);
        }
        continue;
      }
      switch (kinds[i]) {
        case COUNT_ONE -> state.addCount(i, 1);
        case SUM_ONE -> {
          state.addCount(i, 1);
          if (value instanceof BigDecimal) {
            state.addDecimals(i, 1);
          }
          state.addToSum(i, value);
        }
        default -> { } // count(*): its argument is NULL, its value the group's rows
      }
    }
  }

  /**
   * The longs a held group keeps beside its key while its inputs are added there ({@link
   * HeldBack#keepNumbers}): 0 when {@link #insertAt} cannot add them so. They are what the inputs
   * since the group's totals were last brought up to date add to them: the rows, and per call a
   * count and an integer sum.
   */
  int numbers() {
    return simple ? 1 + 2 * calls : 0;
  }

  /**
   * {@link #insertHeld} of the held group whose entry is {@code entry}: with the numbers kept there
   * ({@link #numbers}), an input of integer (or no) arguments is added to them, touching nothing but
   * the entry; its totals take the numbers at the flush ({@link #fold}). Sums of integers do not depend on the order they are added in, so the
   * totals come out as inserting each input in turn makes them.
   */
  void insertAt(HeldBack heldBack, int entry, Object[] arguments, long longValue, FlowContext context) {
    if (!addsToNumbers(heldBack) || !addable(heldBack, entry, arguments, longValue)) {
      var held = heldBack.held(entry);
      fold(heldBack, held);
      insertHeld(held, arguments, longValue, context);
      return;
    }
    heldBack.add(entry, 0, 1);
    for (var i = 0; i < calls; i++) {
      var value = arguments[i];
      if (value == null || kinds[i] == ROWS_ONLY) {
        continue;
      }
      heldBack.add(entry, 1 + 2 * i, 1);
      if (kinds[i] == SUM_ONE) {
        heldBack.add(entry, 2 + 2 * i, value == FieldScanner.LONG ? longValue : (Long) value);
      }
    }
  }

  /** Whether its inputs are added to numbers beside the held keys: it is simple and they are kept. */
  private boolean addsToNumbers(HeldBack heldBack) {
    return simple && heldBack.numbersKept() == numbers();
  }

  /**
   * Whether the input's arguments can be added to the entry's numbers: no sum takes a decimal, and
   * none leaves 64 bits.
   */
  private boolean addable(HeldBack heldBack, int entry, Object[] arguments, long longValue) {
    for (var i = 0; i < calls; i++) {
      var value = arguments[i];
      if (value == null || kinds[i] != SUM_ONE) {
        continue;
      }
      long b;
      if (value == FieldScanner.LONG) {
        b = longValue;
      } else if (value instanceof Long l) {
        b = l;
      } else {
        return false;
      }
      var a = heldBack.number(entry, 2 + 2 * i);
      var sum = a + b;
      if (((a ^ sum) & (b ^ sum)) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Brings a held group's totals up to date with the numbers kept beside it, which are then zero. */
  private void fold(HeldBack heldBack, HeldBack.Held held) {
    if (!addsToNumbers(heldBack)) {
      return;
    }
    var entry = held.entry();
    var rows = heldBack.number(entry, 0);
    if (rows == 0) {
      return; // every input added there counts a row: none is
    }
    var state = (GroupState) held.value;
    state.addRows(rows);
    heldBack.set(entry, 0, 0);
    for (var i = 0; i < calls; i++) {
      var count = heldBack.number(entry, 1 + 2 * i);
      if (count == 0) {
        continue;
      }
      state.addCount(i, count);
      if (kinds[i] == SUM_ONE) {
        state.addToSum(i, heldBack.number(entry, 2 + 2 * i));
      }
      heldBack.set(entry, 1 + 2 * i, 0);
      heldBack.set(entry, 2 + 2 * i, 0);
    }
  }

  /** What {@link #insertHeld} does per call: nothing (count(*)), count a value, or count and sum it. */
  private static final byte ROWS_ONLY = 0;
  private static final byte COUNT_ONE = 1;
  private static final byte SUM_ONE = 2;
  private final byte[] kinds;
  /** Whether every call is count(*), count(x) or sum/avg(x): {@link #insertHeld} then does them itself. */
  private final boolean simple;

  /** Whether {@link #insertHeld} does every call itself (count(*), count(x), sum, avg): then it takes integers unboxed. */
  boolean simple() {
    return simple;
  }

  /**
   * Writes the held groups' totals and reports their net changes into {@code out}, their dead
   * letters into {@code deadLetters}.
   */
  void flush(State state, HeldBack heldBack, List<ViewChange> out, List<DeadLetter> deadLetters) {
    for (var held : heldBack.entries()) {
      fold(heldBack, held);
      var group = held.key;
      var totals = (GroupState) held.value;
      var stateKey = concat(groupPrefix, group.bytes());
      if (totals.rows() > 0) {
        state.putObject(stateKey, totals, GroupState::encode);
      } else {
        state.delete(stateKey);
      }
      var context = new FlowContext(state, null);
      Row after = totals.rows() > 0 || node.groupBy().isEmpty() ? output(group, totals, context, true) : null;
      for (var dead : context.deadLetters) {
        // The row is the last input's doing: its evaluation's errors are that input's.
        deadLetters.add(new DeadLetter(held.lastSource(), held.lastPartition(), held.lastOffset(), dead.reason(), dead.line(), dead.column()));
      }
      if (held.before == null ? after != null : !held.before.equals(after)) {
        out.add(new ViewChange(group, held.before, after));
      }
    }
  }

  private void update(
      RowKey group, GroupState state, Object[] arguments, int weight, FlowContext context) {
    state.addRows(weight);
    for (var i = 0; i < calls; i++) {
      var call = node.calls().get(i);
      var value = arguments[i];
      if (call.argument() == null || value == null) {
        continue;
      }
      switch (call.function()) {
        case COUNT -> {
          if (call.distinct()) {
            state.addCount(i, updateMultiset(group, i, KeyEncoding.encode(value), weight, context));
          } else {
            state.addCount(i, weight);
          }
        }
        case SUM, AVG -> {
          state.addCount(i, weight);
          if (value instanceof BigDecimal) {
            state.addDecimals(i, weight);
          }
          state.addToSum(i, weight > 0 ? value : AggregateValues.negate(value));
        }
        case MIN -> updateMultiset(group, i, KeyEncoding.encode(value), weight, context);
        case MAX ->
            updateMultiset(
                group, i, KeyEncoding.complement(KeyEncoding.encode(value)), weight, context);
      }
    }
  }

  /** Adds weight to a value's count; returns how the number of distinct values changed. */
  private int updateMultiset(
      RowKey group, int call, byte[] value, int weight, FlowContext context) {
    var key = concat(concat(valuePrefix, group.bytes()), new byte[] {(byte) call}, value);
    var stored = context.state.get(key);
    var count = (stored == null ? 0 : decodeCount(stored)) + weight;
    if (count < 0) {
      throw new IllegalStateException("retraction of a value group " + group + " does not hold");
    }
    if (count == 0) {
      context.state.delete(key);
      return -1;
    }
    context.state.put(key, encodeCount(count));
    return stored == null ? 1 : 0;
  }

  private Row output(RowKey group, GroupState state, FlowContext context, boolean report) {
    var values = new Object[calls];
    for (var i = 0; i < calls; i++) {
      var call = node.calls().get(i);
      values[i] =
          switch (call.function()) {
            case COUNT -> call.argument() == null ? state.rows() : state.count(i);
            case SUM ->
                state.count(i) == 0 ? null : AggregateValues.sum(state.sum(i), state.decimals(i));
            case AVG ->
                state.count(i) == 0
                    ? null
                    : AggregateValues.average(state.sum(i), state.count(i));
            case MIN, MAX -> extreme(group, i, call.function() == MAX, context);
          };
    }
    return rows.output(group, values, report ? context::deadLetter : null);
  }

  private Object extreme(RowKey group, int call, boolean max, FlowContext context) {
    var prefix = concat(concat(valuePrefix, group.bytes()), new byte[] {(byte) call}, new byte[0]);
    var found = new Object[1];
    var any = new boolean[1];
    context.state.scan(
        prefix,
        (key, value) -> {
          var encoded = Arrays.copyOfRange(key, prefix.length, key.length);
          found[0] = KeyEncoding.decode(max ? KeyEncoding.complement(encoded) : encoded);
          any[0] = true;
          return false;
        });
    return any[0] ? found[0] : null;
  }

  private static byte[] encodeCount(long count) {
    return new dev.sluice.operators.internal.ByteSink(2).putVarLong(count).toByteArray();
  }

  private static long decodeCount(byte[] bytes) {
    return new dev.sluice.operators.internal.ByteSource(bytes, 0).getVarLong();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    var out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b, byte[] c) {
    return concat(concat(a, b), c);
  }
}
