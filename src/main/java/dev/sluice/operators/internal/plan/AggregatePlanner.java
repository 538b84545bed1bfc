package dev.sluice.operators.internal.plan;

import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.operators.internal.expr.Eval;
import dev.sluice.operators.internal.expr.ExprCompiler;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Compiles {@code AGGREGATE items GROUP BY keys}. Items are expressions over aggregates ({@code
 * sum(a) / count(*)}) and group fields; each aggregate call becomes a slot the operator maintains.
 */
final class AggregatePlanner {
  private AggregatePlanner() {}

  static PlanBuilder.Built plan(
      PipeOp.Aggregate aggregate, Node input, RowScope inputScope, PlanErrors errors) {
    var names = new LinkedHashSet<String>();
    var groupNames = new ArrayList<String>();
    var groupBy = new ArrayList<Eval>();
    for (var projection : aggregate.groupBy()) {
      var name = PlanBuilder.outputName(projection, errors);
      if (!names.add(name)) {
        throw errors.duplicateName(name, projection.pos());
      }
      groupNames.add(name);
      groupBy.add(ExprCompiler.compile(projection.expr(), inputScope));
    }
    var calls = new ArrayList<Node.Call>();
    var itemNames = new ArrayList<String>();
    var items = new ArrayList<Eval>();
    var outputScope = new OutputScope(groupNames, calls, inputScope, errors);
    for (var projection : aggregate.aggregates()) {
      var name = PlanBuilder.outputName(projection, errors);
      if (!names.add(name)) {
        throw errors.duplicateName(name, projection.pos());
      }
      itemNames.add(name);
      items.add(ExprCompiler.compile(projection.expr(), outputScope));
    }
    var node =
        new Node.Aggregate(input, groupNames, groupBy, calls, itemNames, items, aggregate.pos());
    return new PlanBuilder.Built(node, Schema.of(names, false));
  }

  /** Inside an item: group fields by name, aggregates as slots after them. */
  private record OutputScope(
      List<String> groupNames, List<Node.Call> calls, RowScope inputScope, PlanErrors errors)
      implements ExprCompiler.Scope {
    @Override
    public Eval field(Expr.Field field) {
      var index = field.path().size() == 1 ? groupNames.indexOf(field.path().getFirst()) : -1;
      if (index < 0) {
        throw errors.notGrouped(String.join(".", field.path()), field.pos());
      }
      return row -> row.value(index);
    }

    @Override
    public Eval aggregate(Expr.AggregateCall call) {
      var argument = call.argument().map(a -> ExprCompiler.compile(a, inputScope)).orElse(null);
      calls.add(new Node.Call(call.function(), argument, call.distinct(), call.pos()));
      var index = groupNames.size() + calls.size() - 1;
      return row -> row.value(index);
    }

    @Override
    public Eval now(Expr.Call call) {
      return inputScope.now(call);
    }
  }
}
