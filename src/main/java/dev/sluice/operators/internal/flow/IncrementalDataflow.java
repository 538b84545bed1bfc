package dev.sluice.operators.internal.flow;

import dev.sluice.log.StreamKind;
import dev.sluice.operators.Applied;
import dev.sluice.operators.Change;
import dev.sluice.operators.Dataflow;
import dev.sluice.operators.Input;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.State;
import dev.sluice.operators.internal.RowCodec;
import dev.sluice.operators.internal.RowParser;
import dev.sluice.operators.internal.plan.Plan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A plan running incrementally. Each input becomes changes of its source's collection — a stream
 * event one insert keyed [_key, _partition, _offset]; a table event a retraction of the key's
 * previous row and an insert of the new one, keyed _key — which flow through the operators to the
 * sink and are folded into the view's changes.
 */
public final class IncrementalDataflow implements Dataflow {
  private final Plan plan;
  private final FlowGraph graph;
  private final Map<String, RowParser> parsers = new HashMap<>();

  public IncrementalDataflow(Plan plan) {
    this.plan = plan;
    this.graph = new FlowGraph(plan.root());
    plan.wantedFields().forEach((source, wanted) -> parsers.put(source, RowParser.of(wanted)));
  }

  @Override
  public Set<String> sources() {
    return plan.kinds().keySet();
  }

  @Override
  public Applied initialize(State state) {
    var context = new FlowContext(state, null);
    for (var operator : graph.operators) {
      operator.initialize(context);
    }
    return new Applied(Consolidation.of(context.output), context.deadLetters);
  }

  @Override
  public Applied apply(Input input, State state) {
    var targets = graph.leaves.get(input.source());
    if (targets == null) {
      throw new IllegalArgumentException("this view does not read " + input.source());
    }
    var context = new FlowContext(state, input);
    for (var change : sourceChanges(input, context)) {
      for (var target : targets) {
        target.operator().push(target.port(), change, context);
      }
    }
    return new Applied(
        Consolidation.of(context.output),
        context.deadLetters.isEmpty() ? List.of() : context.deadLetters,
        context.isLate(),
        context.touched);
  }

  @Override
  public dev.sluice.operators.InPlace inPlace(String source, State state) {
    return ScannedAggregate.of(plan, graph, source, state);
  }

  @Override
  public Applied flush(State state) {
    var heldBack = state.heldBack();
    if (heldBack == null || heldBack.isEmpty() || graph.lastAggregate == null) {
      return new Applied(List.of(), List.of());
    }
    var changes = new ArrayList<dev.sluice.operators.ViewChange>(heldBack.entries().size());
    var deadLetters = new ArrayList<dev.sluice.operators.DeadLetter>(0);
    graph.lastAggregate.flush(state, heldBack, changes, deadLetters);
    return new Applied(changes, deadLetters);
  }

  private List<Change> sourceChanges(Input input, FlowContext context) {
    dev.sluice.operators.Row row = null;
    if (!input.delete()) {
      try {
        row = parsers.get(input.source()).parse(input.value(), input.envelope());
      } catch (IllegalArgumentException e) {
        // Also for a table: the key keeps its previous row, as if the event were not there.
        context.deadLetter(e.getMessage(), 0, 0);
        return List.of();
      }
    }
    if (plan.kinds().get(input.source()) == StreamKind.STREAM) {
      return row == null ? List.of() : List.of(Change.insert(streamKey(input), row));
    }
    var key = RowKey.of(input.key());
    var stateKey = tableStateKey(input.source(), key);
    var previous = context.state.get(stateKey);
    var changes = new ArrayList<Change>(2);
    if (previous != null) {
      changes.add(Change.retract(key, RowCodec.decode(previous)));
    }
    if (row == null) {
      context.state.delete(stateKey);
    } else {
      context.state.put(stateKey, RowCodec.encode(row));
      changes.add(Change.insert(key, row));
    }
    return changes;
  }

  /** A stream event is a row of its own, whatever its _key: its position names it. */
  public static RowKey streamKey(Input input) {
    return RowKey.stream(input.key(), input.partition(), input.offset());
  }

  private byte[] tableStateKey(String source, RowKey key) {
    var prefix = Operator.prefix(graph.tableIds.get(source), 2);
    var out = java.util.Arrays.copyOf(prefix, prefix.length + key.bytes().length);
    System.arraycopy(key.bytes(), 0, out, prefix.length, key.bytes().length);
    return out;
  }
}
