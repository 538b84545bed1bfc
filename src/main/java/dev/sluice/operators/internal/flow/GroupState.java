package dev.sluice.operators.internal.flow;

import dev.sluice.operators.internal.ByteSink;
import dev.sluice.operators.internal.ByteSource;
import dev.sluice.operators.internal.RowCodec;

/**
 * The running totals of one group: how many rows it has, and per aggregate call how many non-NULL
 * (or distinct) values, how many of them decimals, and their exact sum. Min and max live in
 * per-group multisets beside it, not here.
 */
final class GroupState {
  long rows;
  final long[] counts;
  final long[] decimals;
  final Object[] sums;

  GroupState(int calls) {
    counts = new long[calls];
    decimals = new long[calls];
    sums = new Object[calls];
  }

  byte[] encode() {
    var sink = new ByteSink(8 + 12 * counts.length);
    sink.putVarLong(rows);
    for (var i = 0; i < counts.length; i++) {
      sink.putVarLong(counts[i]).putVarLong(decimals[i]);
      RowCodec.putValue(sums[i], sink);
    }
    return sink.toByteArray();
  }

  static GroupState decode(byte[] bytes, int calls) {
    var state = new GroupState(calls);
    var source = new ByteSource(bytes, 0);
    state.rows = source.getVarLong();
    for (var i = 0; i < calls; i++) {
      state.counts[i] = source.getVarLong();
      state.decimals[i] = source.getVarLong();
      state.sums[i] = RowCodec.getValue(source);
    }
    return state;
  }
}
