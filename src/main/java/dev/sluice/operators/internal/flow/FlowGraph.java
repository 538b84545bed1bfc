package dev.sluice.operators.internal.flow;

import dev.sluice.operators.internal.plan.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operators of a plan, wired from sources to the sink. Built root first, so {@link #operators}
 * lists every operator before the ones feeding it: initializing in that order lets a downstream
 * operator settle before upstream ones push into it.
 */
final class FlowGraph {
  record Target(Operator operator, int port) {}

  final Map<String, List<Target>> leaves = new LinkedHashMap<>();
  final Map<String, Integer> tableIds = new HashMap<>();
  final List<Operator> operators = new ArrayList<>();
  /** The aggregate whose rows are the view's, if the pipeline ends in one; null otherwise. */
  AggregateOperator lastAggregate;
  private int nextId;
  /**
   * Windows number their state from the top half of the id space, so that adding them left the
   * state layout of joins and aggregates as it was.
   */
  private int nextWindowId = 0x8000;

  FlowGraph(Node root) {
    var sink = new RowOperators.Sink();
    operators.add(sink);
    build(root, sink, 0);
  }

  /** The state id of a table source's current rows; one per table, shared by its leaves. */
  int tableId(String source) {
    return tableIds.computeIfAbsent(source, s -> nextId++);
  }

  private void build(Node node, Operator downstream, int port) {
    switch (node) {
      case Node.Source source -> {
        leaves
            .computeIfAbsent(source.name(), s -> new ArrayList<>())
            .add(new Target(downstream, port));
        if (source.kind() == dev.sluice.log.StreamKind.TABLE) {
          tableId(source.name());
        }
      }
      case Node.Filter f -> build(f.input(), add(new RowOperators.Filter(f), downstream, port), 0);
      case Node.Project p ->
          build(p.input(), add(new RowOperators.Project(p), downstream, port), 0);
      case Node.Window w ->
          build(w.input(), add(new RowOperators.Window(w, nextWindowId++), downstream, port), 0);
      case Node.Union u -> {
        var union = add(new RowOperators.Union(), downstream, port);
        build(u.left(), union, 0);
        build(u.right(), union, 1);
      }
      case Node.Join j -> {
        var join = add(new JoinOperator(j, nextId++), downstream, port);
        build(j.left(), join, 0);
        build(j.right(), join, 1);
      }
      case Node.Aggregate a ->
          build(a.input(), add(new AggregateOperator(a, nextId++, downstream instanceof RowOperators.Sink), downstream, port), 0);
      case Node.OrderBy o ->
          throw new IllegalStateException("ORDER BY reached a dataflow; the planner refuses it");
      case Node.Limit l ->
          throw new IllegalStateException("LIMIT reached a dataflow; the planner refuses it");
    }
  }

  private Operator add(Operator operator, Operator downstream, int port) {
    if (operator instanceof AggregateOperator a && downstream instanceof RowOperators.Sink) {
      lastAggregate = a;
    }
    operator.connect(downstream, port);
    operators.add(operator);
    return operator;
  }
}
