package dev.sluice.operators.internal.flow;

import dev.sluice.log.RecordView;
import dev.sluice.log.StreamKind;
import dev.sluice.operators.DeadLetter;
import dev.sluice.operators.HeldBack;
import dev.sluice.operators.InPlace;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.State;
import dev.sluice.operators.internal.FieldScanner;
import dev.sluice.operators.internal.KeyEncoding;
import dev.sluice.operators.internal.expr.Eval;
import dev.sluice.operators.internal.expr.EvalError;
import dev.sluice.operators.internal.expr.ExprCompiler;
import dev.sluice.operators.internal.expr.SlotEval;
import dev.sluice.operators.internal.expr.Values;
import dev.sluice.operators.internal.plan.AggregateRows;
import dev.sluice.operators.internal.plan.Node;
import dev.sluice.operators.internal.plan.Plan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * A stream filtered straight into the AGGREGATE that ends a view's pipeline ({@code FROM s |> WHERE
 * … |> AGGREGATE … GROUP BY …}), applied from each event's bytes: the wanted fields are scanned
 * into slots, the WHERE conditions, group and arguments evaluated over the slots ({@link
 * SlotEval}), and a group keyed by one plain ASCII string is found among the held ones by its
 * encoding, built in a reused buffer — no row, input, change or key per event.
 *
 * <p>It does what {@link IncrementalDataflow#apply} does with such an event, with the same code
 * where it can: the scanner, the expressions' logic, the aggregate's holding and updating.
 */
final class ScannedAggregate implements InPlace {
  private final String source;
  private final AggregateOperator aggregate;
  private final FieldScanner.Slots scan;
  /** WHERE conditions nearest the source first, as the rows pass them, with their operators' places. */
  private final SlotEval[] filters;
  private final Node.Filter[] filterNodes;
  /** The GROUP BY values; unused when the group is read raw. */
  private final SlotEval[] groupBy;
  private final SlotEval[] arguments;
  private final List<Node.Call> calls;
  /** The slot of the one GROUP BY field that nothing else reads, read raw; -1: none. */
  private final int rawSlot;
  private final HeldBack heldBack;
  private final FlowContext context;
  private final Object[] slots;
  private final int[] raw = new int[2];
  private final Object[] argumentValues;
  private byte[] keyBuffer = new byte[64];

  private ScannedAggregate(String source, AggregateOperator aggregate, FieldScanner scanner, List<Node.Filter> filterNodes,
      SlotEval[] filters, SlotEval[] groupBy, SlotEval[] arguments, int rawSlot, State state) {
    this.source = source;
    this.aggregate = aggregate;
    this.scan = scanner.new Slots();
    this.filterNodes = filterNodes.toArray(Node.Filter[]::new);
    this.filters = filters;
    this.groupBy = groupBy;
    this.arguments = arguments;
    this.calls = aggregate.node().calls();
    this.rawSlot = rawSlot;
    this.heldBack = state.heldBack();
    this.context = new FlowContext(state, null);
    this.slots = new Object[scanner.names().length];
    this.argumentValues = new Object[calls.size()];
  }

  /** The in-place way for {@code source}, or null when the plan is not of this shape. */
  static ScannedAggregate of(Plan plan, FlowGraph graph, String source, State state) {
    if (state.heldBack() == null || graph.lastAggregate == null || !(plan.root() instanceof Node.Aggregate root)
        || graph.leaves.size() != 1 || graph.leaves.getOrDefault(source, List.of()).size() != 1
        || plan.kinds().get(source) != StreamKind.STREAM) {
      return null;
    }
    var wanted = plan.wantedFields().get(source);
    if (wanted == null || wanted.isEmpty()) {
      return null;
    }
    var filterNodes = new ArrayList<Node.Filter>();
    var node = root.input();
    while (node instanceof Node.Filter f) {
      filterNodes.addFirst(f);
      node = f.input();
    }
    if (!(node instanceof Node.Source s) || !s.name().equals(source)) {
      return null;
    }
    var scanner = new FieldScanner(wanted.get());
    var names = Arrays.asList(scanner.names());
    Set<Integer> read = new HashSet<>();
    ToIntFunction<String> slotOf = name -> {
      var slot = names.indexOf(name);
      read.add(slot);
      return slot;
    };
    var filters = compile(filterNodes.stream().map(Node.Filter::condition).toList(), slotOf);
    var arguments = new SlotEval[root.calls().size()];
    for (var i = 0; i < arguments.length; i++) {
      var argument = root.calls().get(i).argument();
      arguments[i] = argument == null ? slots -> null : SlotEval.of(argument, slotOf);
    }
    var readElsewhere = Set.copyOf(read);
    var groupBy = compile(root.groupBy(), slotOf);
    if (filters == null || groupBy == null || Arrays.asList(arguments).contains(null)) {
      return null;
    }
    var rawSlot = -1;
    if (root.groupBy().size() == 1 && root.groupBy().getFirst() instanceof ExprCompiler.FieldRead f) {
      var slot = names.indexOf(f.name());
      rawSlot = readElsewhere.contains(slot) ? -1 : slot;
    }
    return new ScannedAggregate(source, graph.lastAggregate, scanner, filterNodes, filters, groupBy, arguments, rawSlot, state);
  }

  private static SlotEval[] compile(List<Eval> evals, ToIntFunction<String> slotOf) {
    var out = new SlotEval[evals.size()];
    for (var i = 0; i < out.length; i++) {
      out[i] = SlotEval.of(evals.get(i), slotOf);
      if (out[i] == null) {
        return null;
      }
    }
    return out;
  }

  @Override
  public RowKey apply(RecordView record, List<DeadLetter> deadLetters) {
    if (record.delete()) {
      return null; // a stream's delete is no row: the general path ignores it too
    }
    try {
      scan.scan(record.valueArray(), record.valueFrom(), record.valueFrom() + record.valueLength(), slots, rawSlot, raw);
    } catch (IllegalArgumentException e) {
      deadLetters.add(new DeadLetter(source, record.partition(), record.offset(), e.getMessage(), 0, 0));
      return null;
    }
    HeldBack.Held held;
    RowKey group = null;
    try {
      for (var i = 0; i < filters.length; i++) {
        var value = filters[i].eval(slots);
        if (value == null || !Values.truth(value, "WHERE", filterNodes[i].pos())) {
          return null;
        }
      }
      if (rawSlot >= 0 && slots[rawSlot] == FieldScanner.RAW) {
        held = findRaw(record.valueArray());
      } else {
        var values = new Object[groupBy.length];
        for (var i = 0; i < values.length; i++) {
          values[i] = groupBy[i].eval(slots);
        }
        group = AggregateRows.groupKey(values);
        held = heldBack.get(group);
      }
      for (var i = 0; i < argumentValues.length; i++) {
        argumentValues[i] = AggregateRows.checked(calls.get(i), arguments[i].eval(slots));
      }
    } catch (EvalError e) {
      deadLetters.add(new DeadLetter(source, record.partition(), record.offset(), e.getMessage(), e.position().line(), e.position().column()));
      return null;
    }
    if (held == null) {
      held = aggregate.hold(heldBack, group != null ? group : RowKey.fromBytes(Arrays.copyOf(keyBuffer, rawKeyLength())), context);
    }
    held.touchedBy(source, record);
    aggregate.insertHeld(held, argumentValues, context);
    return held.key;
  }

  /** The held group of the raw string in {@link #raw}, its encoding left in {@link #keyBuffer}; null when not held. */
  private HeldBack.Held findRaw(byte[] bytes) {
    var length = rawKeyLength();
    if (keyBuffer.length < length) {
      keyBuffer = new byte[Math.max(length, keyBuffer.length * 2)];
    }
    KeyEncoding.encodeAscii(bytes, raw[0], raw[1], keyBuffer);
    return heldBack.find(keyBuffer, 0, length, HeldBack.hash(keyBuffer, 0, length));
  }

  private int rawKeyLength() {
    return raw[1] - raw[0] + 3;
  }
}
