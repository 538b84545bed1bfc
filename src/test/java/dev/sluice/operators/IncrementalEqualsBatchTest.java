package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The chapter's promise: a view maintained incrementally, one event at a time and in any order a
 * partitioned engine may process the log in, holds exactly what the same pipeline computes as a
 * batch over the whole log — for random histories and random pipelines.
 */
class IncrementalEqualsBatchTest {

  @Property(tries = 2500)
  void incrementalEqualsBatchEqualsRebuildInAnyPartitionOrder(
      @ForAll long seed, @ForAll @IntRange(min = 0, max = 40) int events) {
    check(seed, events);
  }

  /** Fewer, longer histories: groups that fill, empty and fill again; many updates per key. */
  @Property(tries = 300)
  void longHistoriesAgreeToo(
      @ForAll long seed, @ForAll @IntRange(min = 100, max = 250) int events) {
    check(seed, events);
  }

  private static void check(long seed, int events) {
    var random = new Random(seed);
    var text = RandomViews.pipeline(random);
    var pipeline = ViewHarness.pipeline(text);
    var log = RandomViews.history(random, events);

    var inLogOrder = maintain(text, log);
    var interleaved = maintain(text, RandomViews.interleave(log, random));
    var rebuilt = maintain(text, log);
    var batch = new TreeMap<RowKey, Row>();
    var batchResult = BatchEvaluator.view(pipeline, RandomViews.CATALOG, text, log);
    for (var row : batchResult.rows()) {
      batch.put(row.key(), row.row());
    }

    Statistics.label("view")
        .collect(batch.isEmpty() ? "empty" : batch.size() < 5 ? "1-4 rows" : "5+ rows");
    for (var op : List.of("JOIN", "AGGREGATE", "WINDOW", "UNION", "WHERE")) {
      Statistics.label(op).collect(text.contains(op));
    }
    Statistics.label("late").collect(batchResult.lateEvents() > 0);
    assertThat(inLogOrder.view()).as("incremental vs batch for %s", text).isEqualTo(batch);
    assertThat(inLogOrder.lateEvents()).as("late events for %s", text).isEqualTo(batchResult.lateEvents());
    assertThat(interleaved).as("interleaved vs log order for %s", text).isEqualTo(inLogOrder);
    assertThat(rebuilt).as("rebuild vs first run for %s", text).isEqualTo(inLogOrder);
    var commitSeed = random.nextLong();
    var held = maintainHeldBack(text, log, new Random(commitSeed), false);
    assertThat(held.view()).as("held back to random commits vs one input at a time for %s", text).isEqualTo(inLogOrder.view());
    var inPlace = maintainHeldBack(text, log, new Random(commitSeed), true);
    Statistics.label("in place").collect(inPlace.inPlace());
    assertThat(inPlace.view()).as("applied in place vs as inputs for %s", text).isEqualTo(held.view());
    assertThat(inPlace.trail()).as("dead letters, touched keys and causes in place vs as inputs for %s", text).isEqualTo(held.trail());
  }

  /** The bench's shape, and its neighbours, always take the in-place way. */
  @Property(tries = 300)
  void filteredAggregatesOfAStreamApplyInPlace(
      @ForAll long seed, @ForAll @IntRange(min = 0, max = 120) int events) {
    var random = new Random(seed);
    var text = RandomViews.scannedAggregate(random);
    var dataflow = Planner.plan(ViewHarness.pipeline(text), RandomViews.CATALOG, text);
    assertThat(dataflow.inPlace("s1", MemoryState.holdingChangesBack())).as("in place for %s", text).isNotNull();
    var log = RandomViews.history(random, events);
    var batch = new TreeMap<RowKey, Row>();
    for (var row : BatchEvaluator.view(ViewHarness.pipeline(text), RandomViews.CATALOG, text, log).rows()) {
      batch.put(row.key(), row.row());
    }
    var commitSeed = random.nextLong();
    var inPlace = maintainHeldBack(text, log, new Random(commitSeed), true);
    assertThat(inPlace.view()).as("in place vs batch for %s", text).isEqualTo(batch);
    assertThat(inPlace.trail()).as("in place vs as inputs for %s", text).isEqualTo(maintainHeldBack(text, log, new Random(commitSeed), false).trail());
  }

  /**
   * Runs a fresh dataflow as the engine runs a view: over a state that lets it hold changes back,
   * flushed at random commit points, every change checked against the row the view holds; with
   * {@code inPlace}, records go the in-place way where the dataflow offers one, as the engine
   * sends them. The trail lists, in order, each input's dead letters, touched keys and lateness,
   * and each flushed change's key and cause.
   */
  private static HeldBackRun maintainHeldBack(String text, List<Input> inputs, Random random, boolean inPlace) {
    var dataflow = Planner.plan(ViewHarness.pipeline(text), RandomViews.CATALOG, text);
    var state = MemoryState.holdingChangesBack();
    var view = new TreeMap<RowKey, Row>();
    var trail = new ArrayList<Object>();
    apply(dataflow.initialize(state), view, text);
    var ways = new HashMap<String, InPlace>();
    for (var source : dataflow.sources()) {
      var way = inPlace ? dataflow.inPlace(source, state) : null;
      if (way != null) {
        ways.put(source, way);
      }
    }
    var view1 = new dev.sluice.log.RecordView.Whole();
    // Whether and how long a run of records goes through a holder: drawn apart from the commits.
    var runs = new Random(text.hashCode());
    for (var at = 0; at < inputs.size(); at++) {
      var input = inputs.get(at);
      if (!dataflow.sources().contains(input.source())) {
        continue;
      }
      var way = ways.get(input.source());
      var run = way == null ? null : way.ahead();
      if (run != null && runs.nextBoolean()) {
        // A run of the partition's next records, read whole and then applied, as the engine
        // applies a read: the trail gets each record's dead letters and key as one by one. It
        // ends where a commit comes, drawn per record as one by one.
        var last = Math.min(inputs.size(), at + 1 + runs.nextInt(40));
        var records = new ArrayList<Input>();
        var commitAfter = false;
        for (var i = at; i < last && !commitAfter && inputs.get(i).source().equals(input.source())
            && inputs.get(i).partition() == input.partition(); i++) {
          records.add(inputs.get(i));
          commitAfter = random.nextInt(4) == 0;
        }
        run.start(input.source(), input.partition(), input.offset());
        for (var record : records) {
          run.accept(view1.at(new dev.sluice.log.Record(record.partition(), record.offset(), record.key(), record.id(), record.timeMs(),
              record.causes(), record.delete(), record.value())));
        }
        var touchedAt = new HashMap<Long, RowKey>();
        var deadLetters = new ArrayList<DeadLetter>();
        run.touching((partition, offset, key, from, length) ->
            touchedAt.put(offset, RowKey.fromBytes(java.util.Arrays.copyOfRange(key, from, from + length))));
        run.applyTo(deadLetters);
        for (var record : records) {
          var own = deadLetters.stream().filter(d -> d.offset() == record.offset()).toList();
          var touched = touchedAt.get(record.offset());
          trail.add(List.of(own, touched == null ? List.of() : List.of(touched), false));
        }
        assertThat(run.count()).isEqualTo(records.size());
        at += records.size() - 1;
        if (commitAfter) {
          commit(dataflow, state, view, text, trail);
        }
        continue;
      } else if (way != null) {
        var deadLetters = new ArrayList<DeadLetter>();
        var record = new dev.sluice.log.Record(input.partition(), input.offset(), input.key(), input.id(), input.timeMs(),
            input.causes(), input.delete(), input.value());
        var touched = way.apply(view1.at(record), deadLetters);
        trail.add(List.of(deadLetters, touched == null ? List.of() : List.of(touched), false)); // never late: no window
      } else {
        var applied = dataflow.apply(input, state);
        apply(applied, view, text);
        var touched = new ArrayList<RowKey>(applied.held());
        applied.changes().forEach(c -> touched.add(c.key()));
        trail.add(List.of(applied.deadLetters(), touched, applied.late()));
      }
      if (random.nextInt(4) == 0) {
        commit(dataflow, state, view, text, trail);
      }
    }
    commit(dataflow, state, view, text, trail);
    return new HeldBackRun(view, trail, !ways.isEmpty());
  }

  private record HeldBackRun(Map<RowKey, Row> view, List<Object> trail, boolean inPlace) {}

  private static void commit(Dataflow dataflow, MemoryState state, Map<RowKey, Row> view, String text, List<Object> trail) {
    var flushed = dataflow.flush(state);
    for (var change : flushed.changes()) {
      var held = state.heldBack().get(change.key());
      assertThat(held).as("a flushed key is held: %s", change.key()).isNotNull();
      trail.add(List.of(change.key(), held.lastId()));
    }
    trail.add(flushed.deadLetters());
    apply(flushed, view, text);
    state.heldBack().clear();
  }

  private record Maintained(Map<RowKey, Row> view, long lateEvents) {}

  /** Runs a fresh dataflow over inputs, applying its changes as the engine would. */
  private static Maintained maintain(String text, List<Input> inputs) {
    var dataflow = Planner.plan(ViewHarness.pipeline(text), RandomViews.CATALOG, text);
    var state = new MemoryState();
    var view = new TreeMap<RowKey, Row>();
    apply(dataflow.initialize(state), view, text);
    long late = 0;
    for (var input : inputs) {
      if (!dataflow.sources().contains(input.source())) {
        continue; // the engine feeds a view only the sources it reads
      }
      var applied = dataflow.apply(input, state);
      apply(applied, view, text);
      late += applied.late() ? 1 : 0;
    }
    return new Maintained(view, late);
  }

  private static void apply(Applied applied, Map<RowKey, Row> view, String text) {
    for (var change : applied.changes()) {
      assertThat(view.get(change.key()))
          .as("the old row of %s in %s", change.key(), text)
          .isEqualTo(change.oldRow());
      if (change.newRow() == null) {
        view.remove(change.key());
      } else {
        view.put(change.key(), change.newRow());
      }
    }
  }
}
