package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.operators.BatchEvaluator;
import dev.sluice.operators.Catalog;
import dev.sluice.operators.Input;
import dev.sluice.operators.SourceInfo;
import dev.sluice.operators.internal.JsonValues;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * What makes the repartition step correct: a view split into its per-event part (derived into
 * the internal stream, keyed by the group field) and its aggregate over that stream has, partition
 * of the internal stream by partition, together exactly the rows of the view run whole.
 */
class RepartitionPropertiesTest {
  private static final StreamSpec ORDERS = new StreamSpec("orders", StreamKind.STREAM, "customer", 3);
  private static final StreamSpec ACCOUNTS = new StreamSpec("accounts", StreamKind.TABLE, "id", 2);
  private static final Map<String, StreamSpec> STREAMS = Map.of("orders", ORDERS, "accounts", ACCOUNTS);

  private static final List<String> SPLIT = List.of(
      "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY kind",
      "FROM orders |> WHERE amount > 2 |> AGGREGATE count(*) AS n GROUP BY kind |> WHERE n > 1",
      "FROM orders |> EXTEND amount * 2 AS twice |> AGGREGATE max(twice) AS top, min(amount) AS low GROUP BY amount",
      "FROM orders |> SELECT kind, amount |> AGGREGATE count(DISTINCT amount) AS amounts GROUP BY kind AS k");
  private static final List<String> NOT_SPLIT = List.of(
      "FROM orders |> AGGREGATE count(*) AS n GROUP BY customer", // the key: divided without a repartition
      "FROM accounts |> AGGREGATE sum(balance) AS b GROUP BY kind", // a table's rows are taken back
      "FROM orders |> AGGREGATE count(*) AS n GROUP BY kind, customer",
      "FROM orders |> AGGREGATE count(*) AS n",
      "FROM orders |> AGGREGATE max(_offset) AS last GROUP BY kind",
      "FROM orders |> UNION ALL (FROM orders) |> AGGREGATE count(*) AS n GROUP BY kind");

  private static Optional<Repartition> split(String text) {
    return Repartition.of("v", 1, text, name -> Optional.ofNullable(STREAMS.get(name)));
  }

  @Example
  void aViewGroupedByAnotherFieldOfOneStreamIsSplitAndTheOthersAreNot() {
    for (String text : SPLIT) {
      Repartition r = split(text).orElseThrow(() -> new AssertionError("not split: " + text));
      assertThat(r.stream().name()).isEqualTo("v_v1_repartition");
      assertThat(r.stream().partitions()).isEqualTo(ORDERS.partitions());
      assertThat(r.viewPipeline()).startsWith("FROM v_v1_repartition").contains("|> AGGREGATE");
      ViewDefinition view = new ViewDefinition("v", 1, r.viewPipeline(), 0, false);
      assertThat(Placement.of(view, name -> Optional.ofNullable(name.equals("v_v1_repartition") ? r.stream() : STREAMS.get(name))))
          .as("the view over the internal stream is divided: %s", r.viewPipeline()).isInstanceOf(Placement.Divided.class);
      ViewDefinition derived = new ViewDefinition("v_v1_repartition", 1, r.derivedPipeline().toSql(), 0, true, r.stream(), null);
      assertThat(Placement.of(derived, name -> Optional.ofNullable(STREAMS.get(name))))
          .as("the per-event part is divided: %s", r.derivedPipeline().toSql()).isInstanceOf(Placement.Divided.class);
    }
    for (String text : NOT_SPLIT) {
      assertThat(split(text)).as(text).isEmpty();
    }
    assertThat(Repartition.versionOf("v_v12_repartition", "v")).isEqualTo(12);
    assertThat(Repartition.versionOf("v_v12_repartition", "w")).isEqualTo(-1);
    assertThat(Repartition.versionOf("v_vx_repartition", "v")).isEqualTo(-1);
  }

  record Order(String customer, String kind, int amount) {}

  @Provide
  Arbitrary<List<Order>> histories() {
    return Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.of("a", "b", "c"), Arbitraries.integers().between(1, 6))
        .as((c, kind, amount) -> new Order("c" + c, kind, amount)).list().ofMaxSize(60);
  }

  @Property(tries = 150)
  void theSplitViewPartitionByPartitionHasTheRowsOfTheWholeView(@ForAll("histories") List<Order> history) {
    List<Input> all = new ArrayList<>();
    long[] offsets = new long[ORDERS.partitions()];
    for (Order o : history) {
      int p = Partitioner.partition(o.customer(), ORDERS.partitions());
      String json = "{\"customer\":\"" + o.customer() + "\",\"kind\":\"" + o.kind() + "\",\"amount\":" + o.amount() + "}";
      all.add(Input.of("orders", new Record(p, offsets[p]++, o.customer(), null, 1_000 + all.size(), List.of(), false,
          json.getBytes(StandardCharsets.UTF_8))));
    }
    for (String text : SPLIT) {
      Repartition r = split(text).orElseThrow();
      Map<String, String> whole = rows(text, catalog(null), all);
      // The per-event part, run over the input: each row becomes an event of the internal stream, keyed by its group value.
      String field = r.stream().keyField();
      List<Input> repartitioned = new ArrayList<>();
      long[] next = new long[r.stream().partitions()];
      String derivedText = r.derivedPipeline().toSql();
      for (BatchEvaluator.KeyedRow row : BatchEvaluator.view(r.derivedPipeline(), catalog(null), derivedText, all).rows()) {
        Object value = row.row().get(field);
        String key = value instanceof String s ? s : JsonValues.text(value);
        int p = Partitioner.partition(key, r.stream().partitions());
        repartitioned.add(Input.of(r.stream().name(), new Record(p, next[p]++, key, null, 1_000, List.of(), false, row.row().toJson())));
      }
      Map<String, String> parts = new TreeMap<>();
      for (int p = 0; p < r.stream().partitions(); p++) {
        int partition = p;
        parts.putAll(rows(r.viewPipeline(), catalog(r.stream()), repartitioned.stream().filter(i -> i.partition() == partition).toList()));
      }
      assertThat(parts).as(text).isEqualTo(whole);
    }
  }

  private static Catalog catalog(StreamSpec internal) {
    List<SourceInfo> sources = new ArrayList<>(List.of(new SourceInfo("orders", StreamKind.STREAM, Optional.of("customer"), Optional.empty())));
    if (internal != null) {
      sources.add(new SourceInfo(internal.name(), StreamKind.STREAM, Optional.of(internal.keyField()), Optional.empty()));
    }
    return Catalog.of(sources);
  }

  private static Map<String, String> rows(String text, Catalog catalog, List<Input> inputs) {
    Statement.Query q = (Statement.Query) Parser.parseStatement(text);
    Map<String, String> rows = new TreeMap<>();
    for (BatchEvaluator.KeyedRow row : BatchEvaluator.view(q.pipeline(), catalog, text, inputs).rows()) {
      rows.put(row.key().toString(), new String(row.row().toJson(), StandardCharsets.UTF_8));
    }
    return rows;
  }
}
