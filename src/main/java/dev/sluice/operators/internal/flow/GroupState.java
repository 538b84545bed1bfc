package dev.sluice.operators.internal.flow;

import dev.sluice.operators.internal.ByteSink;
import dev.sluice.operators.internal.ByteSource;
import dev.sluice.operators.internal.RowCodec;
import dev.sluice.operators.internal.plan.AggregateValues;

/**
 * The running totals of one group: how many rows it has, and per aggregate call how many non-NULL
 * (or distinct) values, how many of them decimals, and their exact sum. Min and max live in
 * per-group multisets beside it, not here.
 *
 * <p>The numbers sit in one array, the group's row count first and then four per call (count,
 * decimals, the sum while it is a long, and what the sum is: none yet, that long, or an object in
 * {@link #bigSums}): an input that updates a group reads and writes one array, and a sum that stays
 * within 64 bits costs no object per input. A sum that leaves them (or takes a decimal) is kept as
 * {@link AggregateValues#add} gives it, exactly as before.
 */
final class GroupState {
  private static final int PER_CALL = 4;
  private static final long NO_SUM = 0;
  private static final long LONG_SUM = 1;
  private static final long BIG_SUM = 2;

  /** [rows, then per call: count, decimals, long sum, sum kind]. */
  private final long[] v;
  /** Per call the sum when it is not a long; null until a sum needs it. */
  private Object[] bigSums;

  GroupState(int calls) {
    v = new long[1 + PER_CALL * calls];
  }

  private int calls() {
    return (v.length - 1) / PER_CALL;
  }

  long rows() {
    return v[0];
  }

  void addRows(long weight) {
    v[0] += weight;
  }

  long count(int call) {
    return v[1 + PER_CALL * call];
  }

  void addCount(int call, long weight) {
    v[1 + PER_CALL * call] += weight;
  }

  long decimals(int call) {
    return v[2 + PER_CALL * call];
  }

  void addDecimals(int call, long weight) {
    v[2 + PER_CALL * call] += weight;
  }

  /** The exact sum of the call's values: a Long or a BigDecimal; null when none was ever summed. */
  Object sum(int call) {
    var at = 1 + PER_CALL * call;
    var kind = v[at + 3];
    return kind == NO_SUM ? null : kind == LONG_SUM ? (Object) v[at + 2] : bigSums[call];
  }

  private void setSum(int call, Object sum) {
    var at = 1 + PER_CALL * call;
    if (sum == null) {
      v[at + 3] = NO_SUM;
    } else if (sum instanceof Long l) {
      v[at + 2] = l;
      v[at + 3] = LONG_SUM;
    } else {
      if (bigSums == null) {
        bigSums = new Object[calls()];
      }
      bigSums[call] = sum;
      v[at + 3] = BIG_SUM;
    }
  }

  /** {@link #addToSum(int, Object)} of an integer, without boxing it while the sum stays a long. */
  void addToSum(int call, long b) {
    if (!addToLongSum(call, b)) {
      addToSum(call, (Object) b);
    }
  }

  /** Adds {@code b} while the call's sum is none or a long it does not overflow; false otherwise. */
  private boolean addToLongSum(int call, long b) {
    var at = 1 + PER_CALL * call;
    var kind = v[at + 3];
    if (kind == NO_SUM) {
      v[at + 2] = b;
      v[at + 3] = LONG_SUM;
      return true;
    }
    if (kind == LONG_SUM) {
      long a = v[at + 2];
      long result = a + b;
      if (((a ^ result) & (b ^ result)) >= 0) {
        v[at + 2] = result;
        return true;
      }
    }
    return false;
  }

  /** Adds {@code signed} (a Long or a BigDecimal) to the call's sum, as {@link AggregateValues#add} does. */
  void addToSum(int call, Object signed) {
    if (signed instanceof Long l && addToLongSum(call, l)) {
      return;
    }
    var sum = sum(call);
    setSum(call, sum == null ? signed : AggregateValues.add(sum, signed));
  }

  byte[] encode() {
    var calls = calls();
    var sink = new ByteSink(8 + 12 * calls);
    sink.putVarLong(rows());
    for (var i = 0; i < calls; i++) {
      sink.putVarLong(count(i)).putVarLong(decimals(i));
      RowCodec.putValue(sum(i), sink);
    }
    return sink.toByteArray();
  }

  static GroupState decode(byte[] bytes, int calls) {
    var state = new GroupState(calls);
    var source = new ByteSource(bytes, 0);
    state.v[0] = source.getVarLong();
    for (var i = 0; i < calls; i++) {
      state.addCount(i, source.getVarLong());
      state.addDecimals(i, source.getVarLong());
      state.setSum(i, RowCodec.getValue(source));
    }
    return state;
  }
}
