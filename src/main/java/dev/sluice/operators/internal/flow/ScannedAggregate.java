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
  /** WHERE conditions nearest the source first, as the rows pass them, with their operators' places. */
  private final SlotEval[] filters;
  private final Node.Filter[] filterNodes;
  /** The GROUP BY values; unused when the group is read raw. */
  private final SlotEval[] groupBy;
  private final SlotEval[] arguments;
  private final List<Node.Call> calls;
  /** The slot of the one GROUP BY field that nothing else reads, read raw; -1: none. */
  private final int rawSlot;
  /** The slot of the one field read only as the argument of count, sum or avg, read unboxed; -1: none. */
  private final int longSlot;
  private final HeldBack heldBack;
  private final FlowContext context;
  private final FieldScanner scanner;
  private final int slotCount;
  /** The arguments of the record being applied, on the view's thread. */
  private final Object[] argumentValues;
  /** Reads the records {@link #apply(RecordView, List)} applies, on the view's thread. */
  private final Reading direct;

  private ScannedAggregate(String source, AggregateOperator aggregate, FieldScanner scanner, List<Node.Filter> filterNodes,
      SlotEval[] filters, SlotEval[] groupBy, SlotEval[] arguments, int rawSlot, int longSlot, State state) {
    this.source = source;
    this.aggregate = aggregate;
    this.scanner = scanner;
    this.filterNodes = filterNodes.toArray(Node.Filter[]::new);
    this.filters = filters;
    this.groupBy = groupBy;
    this.arguments = arguments;
    this.calls = aggregate.node().calls();
    this.rawSlot = rawSlot;
    this.longSlot = longSlot;
    this.heldBack = state.heldBack();
    heldBack.keepNumbers(aggregate.numbers());
    this.context = new FlowContext(state, null);
    this.slotCount = scanner.names().length;
    this.argumentValues = new Object[calls.size()];
    this.direct = new Reading();
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
    filterNodes.forEach(f -> SlotEval.comparedTexts(f.condition(), scanner::know));
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
    return new ScannedAggregate(source, graph.lastAggregate, scanner, filterNodes, filters, groupBy, arguments, rawSlot,
        longSlot(root, names, rawSlot, graph.lastAggregate), state);
  }

  /**
   * The slot of a field that only count(x), sum(x) and avg(x) read, as themselves, when every call
   * of the aggregate is one of those or count(*): its integers are then read unboxed
   * ({@link FieldScanner#LONG}). -1: none.
   */
  private static int longSlot(Node.Aggregate root, List<String> names, int rawSlot, AggregateOperator aggregate) {
    if (!aggregate.simple()) {
      return -1;
    }
    Set<Integer> otherwise = new HashSet<>();
    ToIntFunction<String> note = name -> {
      var slot = names.indexOf(name);
      otherwise.add(slot);
      return slot;
    };
    var candidate = -1;
    for (var call : root.calls()) {
      var argument = call.argument();
      if (argument instanceof ExprCompiler.FieldRead f && candidate < 0) {
        candidate = names.indexOf(f.name());
      } else if (argument instanceof ExprCompiler.FieldRead f && names.indexOf(f.name()) == candidate) {
        continue;
      } else if (argument != null) {
        SlotEval.of(argument, note);
      }
    }
    for (var filter : root.input() instanceof Node.Filter ? filterConditions(root) : List.<Eval>of()) {
      SlotEval.of(filter, note);
    }
    for (var group : root.groupBy()) {
      SlotEval.of(group, note);
    }
    return candidate < 0 || candidate == rawSlot || otherwise.contains(candidate) ? -1 : candidate;
  }

  private static List<Eval> filterConditions(Node.Aggregate root) {
    var conditions = new ArrayList<Eval>();
    var node = root.input();
    while (node instanceof Node.Filter f) {
      conditions.add(f.condition());
      node = f.input();
    }
    return conditions;
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
    var r = direct;
    var outcome = r.read(record);
    if (outcome == SKIP) {
      return null;
    }
    if (outcome == DEAD) {
      deadLetters.add(r.dead);
      return null;
    }
    var entry = entry(outcome, r.keyBuffer, 0, r.keyLength, r.keyHash, r.group);
    heldBack.touch(entry, source, record);
    aggregate.insertAt(heldBack, entry, r.arguments, r.longs[0], context);
    return heldBack.held(entry).key;
  }

  /**
   * The entry ({@link HeldBack#locate}) of the held group a record found to be {@code kind} goes to,
   * held now if it was not: for {@link #RAW_GROUP} the one whose key is encoded as {@code keys[from,
   * from + length)} with {@code hash}, else {@code group}'s.
   */
  private int entry(byte kind, byte[] keys, int from, int length, int hash, RowKey group) {
    if (kind == RAW_GROUP) {
      var entry = heldBack.locate(keys, from, length, hash);
      return entry >= 0 ? entry : aggregate.hold(heldBack, RowKey.fromBytes(Arrays.copyOfRange(keys, from, from + length)), context).entry();
    }
    var held = heldBack.get(group);
    return (held != null ? held : aggregate.hold(heldBack, group, context)).entry();
  }

  @Override
  public InPlace.Ahead ahead() {
    return new Ahead();
  }

  /** What {@link Reading#read} found a record to be. */
  private static final byte SKIP = 0;
  private static final byte DEAD = 1;
  /** A group keyed by one plain ASCII string, its key's encoding in the reading's buffer. */
  private static final byte RAW_GROUP = 2;
  private static final byte GROUP = 3;

  /**
   * The part of {@link #apply} that reads only the record: its fields, conditions, group and
   * arguments. One per thread: the view's, and each {@link Ahead} (which may be on another).
   */
  private final class Reading {
    private final FieldScanner.Slots scan = scanner.new Slots();
    private final Object[] slots = new Object[slotCount];
    private final int[] raw = new int[2];
    /** [0]: the integer in the slot {@link #longSlot} when it holds {@link FieldScanner#LONG}. */
    final long[] longs = new long[1];
    final Object[] arguments = new Object[calls.size()];
    byte[] keyBuffer = new byte[64];
    int keyLength;
    int keyHash;
    RowKey group;
    DeadLetter dead;

    /** Reads one record: {@link #SKIP}, {@link #DEAD} ({@link #dead}), {@link #RAW_GROUP} or {@link #GROUP} ({@link #group}), with the {@link #arguments}. */
    byte read(RecordView record) {
      group = null;
      dead = null;
      if (record.delete()) {
        return SKIP; // a stream's delete is no row: the general path ignores it too
      }
      try {
        scan.scan(record.valueArray(), record.valueFrom(), record.valueFrom() + record.valueLength(), slots, rawSlot, raw, longSlot, longs);
      } catch (IllegalArgumentException e) {
        dead = new DeadLetter(source, record.partition(), record.offset(), e.getMessage(), 0, 0);
        return DEAD;
      }
      byte outcome;
      try {
        for (var i = 0; i < filters.length; i++) {
          var filter = filters[i];
          if (filter instanceof SlotEval.TextComparison t && slots[t.slot()] instanceof String s) {
            if (!t.matches(s)) {
              return SKIP;
            }
            continue;
          }
          var value = filter.eval(slots);
          if (value == null || !Values.truth(value, "WHERE", filterNodes[i].pos())) {
            return SKIP;
          }
        }
        if (rawSlot >= 0 && slots[rawSlot] == FieldScanner.RAW) {
          encodeRaw(record.valueArray());
          outcome = RAW_GROUP;
        } else {
          var values = new Object[groupBy.length];
          for (var i = 0; i < values.length; i++) {
            values[i] = groupBy[i].eval(slots);
          }
          group = AggregateRows.groupKey(values);
          outcome = GROUP;
        }
        for (var i = 0; i < arguments.length; i++) {
          var value = ScannedAggregate.this.arguments[i].eval(slots);
          // An integer read unboxed is a number: what count, sum and avg take.
          arguments[i] = value == FieldScanner.LONG ? value : AggregateRows.checked(calls.get(i), value);
        }
      } catch (EvalError e) {
        group = null;
        dead = new DeadLetter(source, record.partition(), record.offset(), e.getMessage(), e.position().line(), e.position().column());
        return DEAD;
      }
      return outcome;
    }

    /** Encodes the raw string in {@link #raw} as a key into {@link #keyBuffer}, with its hash. */
    private void encodeRaw(byte[] bytes) {
      keyLength = raw[1] - raw[0] + 3;
      if (keyBuffer.length < keyLength) {
        keyBuffer = new byte[Math.max(keyLength, keyBuffer.length * 2)];
      }
      KeyEncoding.encodeAscii(bytes, raw[0], raw[1], keyBuffer);
      keyHash = HeldBack.hash(keyBuffer, 0, keyLength);
    }
  }

  /** Records read ahead on another thread: per record what {@link Reading#read} found, kept compact. */
  private final class Ahead implements InPlace.Ahead {
    private final Reading reading = new Reading();
    private String source;
    private int partition;
    private long from;
    private int count;
    private long[] offsets = new long[1024];
    private byte[] kinds = new byte[1024];
    private int[] keyFrom = new int[1024];
    private int[] keyLength = new int[1024];
    private int[] keyHash = new int[1024];
    private RowKey[] groups = new RowKey[1024];
    /** The id of each record whose id is not the log's generated one; null for the others. */
    private String[] ids = new String[1024];
    private Object[] arguments = new Object[1024 * Math.max(1, calls.size())];
    /** Per record the integer its {@link FieldScanner#LONG} arguments stand for. */
    private long[] longValues = new long[1024];
    /** Per record, on the view's thread while {@link #applyTo} runs: its held group's entry. */
    private int[] found = new int[1024];
    /** Per record, while {@link #applyTo} runs: the slot its look-up starts at ({@link HeldBack#firstSlot}); grows with {@link #found}. */
    private long[] slotWords = new long[1024];
    /** What the look-ups read of the groups' entries: kept, so that reading them is not left out. */
    private long numbersSeen;
    private byte[] keys = new byte[16 * 1024];
    private int keysUsed;
    private final List<DeadLetter> deadLetters = new ArrayList<>();

    @Override
    public void start(String source, int partition, long from) {
      this.source = source;
      this.partition = partition;
      this.from = from;
      Arrays.fill(groups, 0, count, null);
      Arrays.fill(ids, 0, count, null);
      Arrays.fill(arguments, 0, count * reading.arguments.length, null);
      count = 0;
      keysUsed = 0;
      deadLetters.clear();
    }

    @Override
    public void accept(RecordView record) {
      if (count == offsets.length) {
        grow();
      }
      var i = count++;
      offsets[i] = record.offset();
      var kind = reading.read(record);
      kinds[i] = kind;
      if (kind == SKIP) {
        return;
      }
      if (kind == DEAD) {
        deadLetters.add(reading.dead);
        return;
      }
      if (kind == RAW_GROUP) {
        var length = reading.keyLength;
        if (keysUsed + length > keys.length) {
          keys = Arrays.copyOf(keys, Math.max(keysUsed + length, keys.length * 2));
        }
        System.arraycopy(reading.keyBuffer, 0, keys, keysUsed, length);
        keyFrom[i] = keysUsed;
        keyLength[i] = length;
        keyHash[i] = reading.keyHash;
        keysUsed += length;
      } else {
        groups[i] = reading.group;
      }
      ids[i] = record.idGenerated() ? null : record.id();
      var n = reading.arguments.length;
      for (var j = 0; j < n; j++) {
        // A loop, not System.arraycopy: the copy of an array of references runs the collector's
        // barrier for the range out of line, which costs more than the few stores.
        arguments[i * n + j] = reading.arguments[j];
      }
      longValues[i] = reading.longs[0];
    }

    private void grow() {
      var size = offsets.length * 2;
      offsets = Arrays.copyOf(offsets, size);
      kinds = Arrays.copyOf(kinds, size);
      keyFrom = Arrays.copyOf(keyFrom, size);
      keyLength = Arrays.copyOf(keyLength, size);
      keyHash = Arrays.copyOf(keyHash, size);
      groups = Arrays.copyOf(groups, size);
      ids = Arrays.copyOf(ids, size);
      longValues = Arrays.copyOf(longValues, size);
      arguments = Arrays.copyOf(arguments, size * Math.max(1, reading.arguments.length));
    }

    @Override
    public String source() {
      return source;
    }

    @Override
    public int partition() {
      return partition;
    }

    @Override
    public long from() {
      return from;
    }

    @Override
    public int count() {
      return count;
    }

    @Override
    public long last() {
      return offsets[count - 1];
    }

    @Override
    public void touching(InPlace.Touched touched) {
      for (var i = 0; i < count; i++) {
        var kind = kinds[i];
        if (kind == RAW_GROUP) {
          touched.touched(partition, offsets[i], keys, keyFrom[i], keyLength[i]);
        } else if (kind == GROUP) {
          var key = groups[i].bytes();
          touched.touched(partition, offsets[i], key, 0, key.length);
        }
      }
    }

    @Override
    public void applyTo(List<DeadLetter> into) {
      if (found.length < count) {
        found = new int[offsets.length];
        slotWords = new long[offsets.length];
      }
      // First every record's group, then the updates: the look-ups of different records do not
      // wait on one another, so the processor overlaps their cache misses (a hundred thousand
      // groups do not fit in its caches), which it cannot do when each look-up is followed by the
      // update that needs it.
      // The last of each entry's numbers is read here too, for the same reason: an entry may reach
      // into the next cache line, which the update then finds in the caches.
      // Before the look-ups, two loops of one load each read every record's table slot, then the
      // entry it names: a look-up is a dozen steps, few fit in the processor's window at once,
      // and so few of its misses overlapped; these loops overlap many. The look-ups then find
      // what they read in the caches (the entries' share of the one-core view's time fell from
      // 11 % to 4 %).
      var numbers = heldBack.numbersKept();
      var seen = 0L;
      for (var i = 0; i < count; i++) {
        slotWords[i] = kinds[i] == RAW_GROUP ? heldBack.firstSlot(keyHash[i]) : 0;
      }
      for (var i = 0; i < count; i++) {
        seen += heldBack.warm(slotWords[i]);
      }
      for (var i = 0; i < count; i++) {
        var kind = kinds[i];
        if (kind == RAW_GROUP || kind == GROUP) {
          var entry = entry(kind, keys, keyFrom[i], keyLength[i], keyHash[i], groups[i]);
          found[i] = entry;
          seen += numbers == 0 ? 0 : heldBack.number(entry, numbers - 1);
        }
      }
      numbersSeen = seen;
      var dead = 0;
      var calls = argumentValues.length;
      for (var i = 0; i < count; i++) {
        var kind = kinds[i];
        if (kind == SKIP) {
          continue;
        }
        if (kind == DEAD) {
          into.add(deadLetters.get(dead++));
          continue;
        }
        var entry = found[i];
        heldBack.touch(entry, source, partition, offsets[i], ids[i]);
        for (var j = 0; j < calls; j++) {
          argumentValues[j] = arguments[i * calls + j]; // a loop, as in accept
        }
        aggregate.insertAt(heldBack, entry, argumentValues, longValues[i], context);
      }
    }
  }
}
