package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

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
    var held = maintainHeldBack(text, log, random);
    assertThat(held.view()).as("held back to random commits vs one input at a time for %s", text).isEqualTo(inLogOrder.view());
  }

  /**
   * Runs a fresh dataflow as the engine runs a view: over a state that lets it hold changes back,
   * flushed at random commit points, every change checked against the row the view holds.
   */
  private static Maintained maintainHeldBack(String text, List<Input> inputs, Random random) {
    var dataflow = Planner.plan(ViewHarness.pipeline(text), RandomViews.CATALOG, text);
    var state = MemoryState.holdingChangesBack();
    var view = new TreeMap<RowKey, Row>();
    apply(dataflow.initialize(state), view, text);
    long late = 0;
    for (var input : inputs) {
      if (!dataflow.sources().contains(input.source())) {
        continue;
      }
      var applied = dataflow.apply(input, state);
      apply(applied, view, text);
      late += applied.late() ? 1 : 0;
      if (random.nextInt(4) == 0) {
        commit(dataflow, state, view, text);
      }
    }
    commit(dataflow, state, view, text);
    return new Maintained(view, late);
  }

  private static void commit(Dataflow dataflow, MemoryState state, Map<RowKey, Row> view, String text) {
    var flushed = dataflow.flush(state);
    for (var change : flushed.changes()) {
      assertThat(state.heldBack().get(change.key())).as("a flushed key is held: %s", change.key()).isNotNull();
    }
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
