package dev.sluice.operators.internal.flow;

import dev.sluice.operators.Change;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.Timestamp;
import dev.sluice.operators.internal.expr.EvalError;
import dev.sluice.operators.internal.expr.ExprCompiler;
import dev.sluice.operators.internal.plan.Node;
import dev.sluice.operators.internal.plan.RowTransforms;

/**
 * The stateless operators: each change maps to changes by its row alone. A row an expression fails
 * on becomes a dead letter and nothing else; since the retraction of that row fails the same way,
 * the view never holds half of it.
 */
final class RowOperators {
  private RowOperators() {}

  static final class Filter extends Operator {
    private final Node.Filter node;

    Filter(Node.Filter node) {
      this.node = node;
    }

    @Override
    void push(int port, Change change, FlowContext context) {
      try {
        if (ExprCompiler.passes(node.condition(), change.row(), "WHERE", node.pos())) {
          emit(change, context);
        }
      } catch (EvalError e) {
        context.deadLetter(e);
      }
    }
  }

  static final class Project extends Operator {
    private final Node.Project node;

    Project(Node.Project node) {
      this.node = node;
    }

    @Override
    void push(int port, Change change, FlowContext context) {
      try {
        emit(change.to(change.key(), RowTransforms.project(node, change.row())), context);
      } catch (EvalError e) {
        context.deadLetter(e);
      }
    }
  }

  /**
   * Keys become [key, window_start]: a hopping window puts one row in several windows. When the
   * window cuts late rows, it keeps the greatest time seen per input partition in its state.
   */
  static final class Window extends Operator {
    private final Node.Window node;
    private final byte[] prefix;

    Window(Node.Window node, int id) {
      this.node = node;
      this.prefix = prefix(id, 0);
    }

    @Override
    void push(int port, Change change, FlowContext context) {
      long time;
      long[] starts;
      try {
        time = RowTransforms.windowTime(node, change.row());
        starts = RowTransforms.windowStarts(node, time);
      } catch (EvalError e) {
        context.deadLetter(e);
        return;
      }
      byte[] seenKey = null;
      long seen = Long.MIN_VALUE;
      if (node.cutsLate() && context.input() != null) {
        seenKey = seenKey(context.input().source(), context.input().partition());
        var stored = context.state.get(seenKey);
        seen = stored == null ? Long.MIN_VALUE : java.nio.ByteBuffer.wrap(stored).getLong();
      }
      for (var start : starts) {
        if (RowTransforms.isLate(node, start, seen)) {
          context.late();
          continue;
        }
        var key = RowKey.list(change.key(), RowKey.of(new Timestamp(start)));
        emit(change.to(key, RowTransforms.windowed(node, change.row(), start)), context);
      }
      if (seenKey != null && time > seen) {
        context.state.put(seenKey, java.nio.ByteBuffer.allocate(8).putLong(time).array());
      }
    }

    private byte[] seenKey(String source, int partition) {
      var name = source.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      return java.nio.ByteBuffer.allocate(prefix.length + name.length + 1 + 4)
          .put(prefix)
          .put(name)
          .put((byte) 0)
          .putInt(partition)
          .array();
    }
  }

  /** Keys become [port, key], so equal keys from the two sides stay two rows. */
  static final class Union extends Operator {
    private static final RowKey[] SIDES = {RowKey.of(0L), RowKey.of(1L)};

    @Override
    void push(int port, Change change, FlowContext context) {
      emit(change.to(RowKey.list(SIDES[port], change.key()), change.row()), context);
    }
  }

  /** The end of the graph: what reaches it is the view's change. */
  static final class Sink extends Operator {
    @Override
    void push(int port, Change change, FlowContext context) {
      context.output.add(change);
    }
  }
}
