package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A view kept by a dataflow over in-memory state, as the engine will keep it: every change is
 * applied to a map, checking that its old row is the row the view holds. Every event also goes to a
 * log, so tests can compare the view with the batch evaluation of the same log.
 */
final class ViewHarness {
  final String text;
  final Pipeline pipeline;
  final Catalog catalog;
  final Dataflow dataflow;
  final MemoryState state = new MemoryState();
  final TreeMap<RowKey, Row> view = new TreeMap<>();
  final List<DeadLetter> deadLetters = new ArrayList<>();
  final List<Input> log = new ArrayList<>();
  private final Map<String, Long> offsets = new HashMap<>();
  private long clockMs = 1_000;

  ViewHarness(String text, Catalog catalog) {
    this.text = text;
    this.pipeline = pipeline(text);
    this.catalog = catalog;
    this.dataflow = Planner.plan(pipeline, catalog, text);
    record(dataflow.initialize(state));
  }

  static Pipeline pipeline(String text) {
    return ((Statement.Query) Parser.parseStatement(text)).pipeline();
  }

  /** The shop of SPEC.md: orders and clicks are streams, customers a table keyed by id. */
  static Catalog shop() {
    return Catalog.of(
        SourceInfo.stream("orders"),
        SourceInfo.stream("clicks"),
        SourceInfo.table("customers", "customer_id"),
        SourceInfo.table("rates", "currency"));
  }

  ViewHarness at(long timeMs) {
    clockMs = timeMs;
    return this;
  }

  Applied append(String source, String key, String json) {
    return feed(source, key, json, false);
  }

  Applied delete(String source, String key) {
    return feed(source, key, null, true);
  }

  private Applied feed(String source, String key, String json, boolean delete) {
    var partition = Math.floorMod(key.hashCode(), 2);
    var offset = offsets.merge(source + "/" + partition, 1L, Long::sum) - 1;
    var value = json == null ? null : json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    var input =
        new Input(
            source,
            partition,
            offset,
            key,
            source + "-" + offset,
            clockMs,
            List.of(),
            delete,
            value);
    log.add(input);
    return apply(input);
  }

  Applied apply(Input input) {
    var applied = dataflow.apply(input, state);
    record(applied);
    return applied;
  }

  private void record(Applied applied) {
    for (var change : applied.changes()) {
      var held = view.get(change.key());
      assertThat(held).as("old row of %s", change.key()).isEqualTo(change.oldRow());
      if (change.newRow() == null) {
        view.remove(change.key());
      } else {
        view.put(change.key(), change.newRow());
      }
    }
    deadLetters.addAll(applied.deadLetters());
  }

  /** The view as key value → row fields, in key order. */
  Map<Object, Map<String, Object>> rows() {
    var rows = new LinkedHashMap<Object, Map<String, Object>>();
    view.forEach((key, row) -> rows.put(key.value(), row.toMap()));
    return rows;
  }

  Map<String, Object> row(Object key) {
    var row = view.get(RowKey.of(key));
    return row == null ? null : row.toMap();
  }

  /** The same pipeline evaluated as a batch over everything appended so far. */
  Map<RowKey, Row> batch() {
    var batch = new TreeMap<RowKey, Row>();
    for (var row : BatchEvaluator.view(pipeline, catalog, text, log).rows()) {
      batch.put(row.key(), row.row());
    }
    return batch;
  }

  void assertEqualsBatch() {
    assertThat(view).isEqualTo(batch());
  }
}
