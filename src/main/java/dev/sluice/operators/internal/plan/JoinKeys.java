package dev.sluice.operators.internal.plan;

import dev.sluice.language.ast.BinaryOperator;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.operators.internal.expr.Eval;
import dev.sluice.operators.internal.expr.ExprCompiler;
import java.util.ArrayList;
import java.util.List;

/**
 * The join key of each side. {@code USING (a, b)} compares the fields of that name; {@code ON}
 * takes equalities joined with AND, each between an expression over the row and one over the table,
 * whose fields are written {@code table.field} ({@code table._key} for its key). Only equalities,
 * because the join finds partners by looking the key up, never by scanning.
 */
final class JoinKeys {
  record Keys(List<Eval> left, List<Eval> right) {}

  private enum Side {
    NONE,
    LEFT,
    RIGHT,
    BOTH
  }

  private final PlanErrors errors;
  private final RowScope leftScope;
  private final RowScope rightScope;
  private final String leftName;
  private final String tableName;
  private final Schema leftSchema;

  JoinKeys(
      PlanErrors errors,
      RowScope leftScope,
      RowScope rightScope,
      String leftName,
      String tableName,
      Schema leftSchema) {
    this.errors = errors;
    this.leftScope = leftScope;
    this.rightScope = rightScope;
    this.leftName = leftName;
    this.tableName = tableName;
    this.leftSchema = leftSchema;
  }

  Keys of(PipeOp.JoinCondition condition) {
    var left = new ArrayList<Eval>();
    var right = new ArrayList<Eval>();
    switch (condition) {
      case PipeOp.Using using -> {
        for (var field : using.fields()) {
          left.add(leftScope.field(field));
          right.add(rightScope.field(field));
        }
      }
      case PipeOp.On on -> {
        for (var equality : conjuncts(on.condition())) {
          addEquality(equality, left, right);
        }
      }
    }
    return new Keys(left, right);
  }

  private static List<Expr> conjuncts(Expr expr) {
    if (expr instanceof Expr.Binary b && b.op() == BinaryOperator.AND) {
      var all = new ArrayList<>(conjuncts(b.left()));
      all.addAll(conjuncts(b.right()));
      return all;
    }
    return List.of(expr);
  }

  private void addEquality(Expr expr, List<Eval> left, List<Eval> right) {
    if (!(expr instanceof Expr.Binary b) || b.op() != BinaryOperator.EQ) {
      throw errors.joinCondition(expr.pos(), "found " + expr.toSql());
    }
    var a = side(b.left());
    var c = side(b.right());
    if (a == Side.LEFT && c == Side.RIGHT) {
      left.add(ExprCompiler.compile(b.left(), new SideScope(Side.LEFT)));
      right.add(ExprCompiler.compile(b.right(), new SideScope(Side.RIGHT)));
    } else if (a == Side.RIGHT && c == Side.LEFT) {
      left.add(ExprCompiler.compile(b.right(), new SideScope(Side.LEFT)));
      right.add(ExprCompiler.compile(b.left(), new SideScope(Side.RIGHT)));
    } else {
      throw errors.joinCondition(
          b.pos(),
          "one side of " + b.toSql() + " must read only the row, the other only " + tableName);
    }
  }

  private boolean isTableField(Expr.Field field) {
    var path = field.path();
    return path.size() > 1
        && path.getFirst().equals(tableName)
        && leftSchema.fields().map(f -> !f.contains(tableName)).orElse(true);
  }

  private boolean isQualifiedLeft(Expr.Field field) {
    var path = field.path();
    return path.size() > 1
        && path.getFirst().equals(leftName)
        && !leftName.equals(tableName)
        && leftSchema.fields().map(f -> !f.contains(leftName)).orElse(true);
  }

  private Side side(Expr expr) {
    var side = new Side[] {Side.NONE};
    ExprCompiler.compile(
        expr,
        new ExprCompiler.Scope() {
          @Override
          public Eval field(Expr.Field field) {
            var s = isTableField(field) ? Side.RIGHT : Side.LEFT;
            side[0] = side[0] == Side.NONE || side[0] == s ? s : Side.BOTH;
            return row -> null;
          }

          @Override
          public Eval aggregate(Expr.AggregateCall call) {
            return leftScope.aggregate(call);
          }

          @Override
          public Eval now(Expr.Call call) {
            return row -> null;
          }
        });
    return side[0];
  }

  /** Compiles one side, taking the qualifier off its fields. */
  private final class SideScope implements ExprCompiler.Scope {
    private final Side side;

    SideScope(Side side) {
      this.side = side;
    }

    @Override
    public Eval field(Expr.Field field) {
      var path = field.path();
      if (side == Side.RIGHT) {
        return rightScope.field(path.subList(1, path.size()), field);
      }
      return leftScope.field(isQualifiedLeft(field) ? path.subList(1, path.size()) : path, field);
    }

    @Override
    public Eval aggregate(Expr.AggregateCall call) {
      return leftScope.aggregate(call);
    }

    @Override
    public Eval now(Expr.Call call) {
      return (side == Side.LEFT ? leftScope : rightScope).now(call);
    }
  }
}
