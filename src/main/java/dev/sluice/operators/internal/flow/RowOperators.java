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

  /** Keys become [key, window_start]: a hopping window puts one row in several windows. */
  static final class Window extends Operator {
    private final Node.Window node;

    Window(Node.Window node) {
      this.node = node;
    }

    @Override
    void push(int port, Change change, FlowContext context) {
      long[] starts;
      try {
        starts = RowTransforms.windowStarts(node, RowTransforms.windowTime(node, change.row()));
      } catch (EvalError e) {
        context.deadLetter(e);
        return;
      }
      for (var start : starts) {
        var key = RowKey.list(change.key(), RowKey.of(new Timestamp(start)));
        emit(change.to(key, RowTransforms.windowed(node, change.row(), start)), context);
      }
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
