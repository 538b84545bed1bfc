package dev.sluice.operators.internal.flow;

import dev.sluice.language.ast.PipeOp.JoinKind;
import dev.sluice.operators.Change;
import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.internal.ByteSink;
import dev.sluice.operators.internal.KeyEncoding;
import dev.sluice.operators.internal.RowCodec;
import dev.sluice.operators.internal.expr.Eval;
import dev.sluice.operators.internal.expr.EvalError;
import dev.sluice.operators.internal.plan.Node;
import dev.sluice.operators.internal.plan.RowTransforms;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A relational equi-join of any collection (port 0) with a table (port 1). Both sides are indexed
 * by join key in state, because either may change: a new order finds its customer, and a customer's
 * update retracts and re-inserts every joined order. Keys become [left, right], with right NULL for
 * a LEFT JOIN row that found no partner.
 *
 * <p>State: {@code id 0 joinKey leftKey → left row} and {@code id 1 joinKey rightKey → right row}.
 */
final class JoinOperator extends Operator {
  private static final RowKey NO_PARTNER = RowKey.of(null);

  private final Node.Join node;
  private final byte[] leftPrefix;
  private final byte[] rightPrefix;

  JoinOperator(Node.Join node, int id) {
    this.node = node;
    this.leftPrefix = prefix(id, 0);
    this.rightPrefix = prefix(id, 1);
  }

  private record Entry(RowKey key, Row row) {}

  @Override
  void push(int port, Change change, FlowContext context) {
    byte[] joinKey;
    try {
      joinKey = joinKey(port == 0 ? node.leftKey() : node.rightKey(), change.row());
    } catch (EvalError e) {
      context.deadLetter(e);
      return;
    }
    if (port == 0) {
      pushLeft(change, joinKey, context);
    } else if (joinKey != null) {
      pushRight(change, joinKey, context);
    }
  }

  private void pushLeft(Change change, byte[] joinKey, FlowContext context) {
    var outer = node.kind() == JoinKind.LEFT;
    if (joinKey == null) {
      // A NULL key equals nothing, now or later: no need to remember the row.
      if (outer) {
        emit(change.to(RowKey.list(change.key(), NO_PARTNER), change.row()), context);
      }
      return;
    }
    var entryKey = concat(leftPrefix, joinKey, change.key().bytes());
    if (change.isInsert()) {
      context.state.put(entryKey, RowCodec.encode(change.row()));
    } else {
      context.state.delete(entryKey);
    }
    var partners = entries(rightPrefix, joinKey, context, Integer.MAX_VALUE);
    for (var right : partners) {
      emit(
          change.to(
              RowKey.list(change.key(), right.key()),
              RowTransforms.join(change.row(), right.row())),
          context);
    }
    if (partners.isEmpty() && outer) {
      emit(change.to(RowKey.list(change.key(), NO_PARTNER), change.row()), context);
    }
  }

  private void pushRight(Change change, byte[] joinKey, FlowContext context) {
    var outer = node.kind() == JoinKind.LEFT;
    var hadPartners = outer && !entries(rightPrefix, joinKey, context, 1).isEmpty();
    var entryKey = concat(rightPrefix, joinKey, change.key().bytes());
    if (change.isInsert()) {
      context.state.put(entryKey, RowCodec.encode(change.row()));
    } else {
      context.state.delete(entryKey);
    }
    var hasPartners = outer && !entries(rightPrefix, joinKey, context, 1).isEmpty();
    for (var left : entries(leftPrefix, joinKey, context, Integer.MAX_VALUE)) {
      var unmatched = RowKey.list(left.key(), NO_PARTNER);
      if (outer && !hadPartners && hasPartners) {
        emit(Change.retract(unmatched, left.row()), context);
      }
      emit(
          change.to(
              RowKey.list(left.key(), change.key()), RowTransforms.join(left.row(), change.row())),
          context);
      if (outer && hadPartners && !hasPartners) {
        emit(Change.insert(unmatched, left.row()), context);
      }
    }
  }

  /** The encoded list of key values, or null when one is NULL (SQL: NULL equals nothing). */
  private static byte[] joinKey(List<Eval> evals, Row row) {
    var sink = new ByteSink(16);
    sink.put(0x40);
    for (var eval : evals) {
      var value = eval.eval(row);
      if (value == null) {
        return null;
      }
      KeyEncoding.encode(value, sink);
    }
    return sink.put(0x00).toByteArray();
  }

  /** Collected before anything is emitted: downstream operators write state, scans must not. */
  private static List<Entry> entries(
      byte[] prefix, byte[] joinKey, FlowContext context, int limit) {
    var found = new ArrayList<Entry>();
    var start = prefix.length + joinKey.length;
    context.state.scan(
        concat(prefix, joinKey, new byte[0]),
        (key, value) -> {
          found.add(
              new Entry(
                  RowKey.fromBytes(Arrays.copyOfRange(key, start, key.length)),
                  RowCodec.decode(value)));
          return found.size() < limit;
        });
    return found;
  }

  private static byte[] concat(byte[] a, byte[] b, byte[] c) {
    var out = Arrays.copyOf(a, a.length + b.length + c.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    System.arraycopy(c, 0, out, a.length + b.length, c.length);
    return out;
  }
}
