package dev.sluice.operators.internal.plan;

import dev.sluice.language.ast.Expr;
import dev.sluice.operators.Timestamp;
import dev.sluice.operators.internal.expr.Eval;
import dev.sluice.operators.internal.expr.ExprCompiler;
import java.util.List;
import java.util.Set;

/** Names in expressions over the rows of one point in a pipeline, checked against its schema. */
final class RowScope implements ExprCompiler.Scope {
  private final Schema schema;
  private final PlanErrors errors;
  private final Timestamp now;
  private final Set<String> referenced;

  /**
   * @param now the time now() stands for in an ad-hoc query; null in a view, where it is refused
   * @param referenced collects the top-level names read, to parse only those
   */
  RowScope(Schema schema, PlanErrors errors, Timestamp now, Set<String> referenced) {
    this.schema = schema;
    this.errors = errors;
    this.now = now;
    this.referenced = referenced;
  }

  @Override
  public Eval field(Expr.Field field) {
    return field(field.path(), field);
  }

  /** A field by a path that may differ from the written one (a qualifier taken off). */
  Eval field(List<String> path, Expr.Field written) {
    var name = path.getFirst();
    if (name.startsWith("_")) {
      if (!schema.envelope()) {
        throw errors.noEnvelope(name, written.pos());
      }
      return ExprCompiler.envelope(name);
    }
    if (schema.fields().isPresent() && !schema.fields().get().contains(name)) {
      throw errors.unknownField(name, written.pos(), schema.fields().get());
    }
    referenced.add(name);
    return ExprCompiler.path(path);
  }

  @Override
  public Eval aggregate(Expr.AggregateCall call) {
    throw errors.aggregateHere(call.pos());
  }

  @Override
  public Eval now(Expr.Call call) {
    if (now == null) {
      throw errors.nowInView(call.pos());
    }
    var value = now;
    return row -> value;
  }
}
