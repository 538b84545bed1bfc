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
 * What makes dividing a view among instances correct: for a view {@link Placement} calls divided,
 * the rows computed from each partition's events alone, kept where {@code partitionOf} says they
 * belong, are together exactly the rows computed from all events.
 */
class PlacementPropertiesTest {
  private static final StreamSpec ORDERS = new StreamSpec("orders", StreamKind.STREAM, "customer", 3);
  private static final StreamSpec ACCOUNTS = new StreamSpec("accounts", StreamKind.TABLE, "id", 2);
  private static final Map<String, StreamSpec> STREAMS = Map.of("orders", ORDERS, "accounts", ACCOUNTS);
  private static final Catalog CATALOG = Catalog.of(List.of(
      new SourceInfo("orders", StreamKind.STREAM, Optional.of("customer"), Optional.empty()),
      new SourceInfo("accounts", StreamKind.TABLE, Optional.of("id"), Optional.empty())));

  private static final List<String> DIVIDED = List.of(
      "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer",
      "FROM orders |> WHERE amount > 2 |> AGGREGATE count(*) AS n GROUP BY _key AS k",
      "FROM orders |> EXTEND amount + 1 AS more |> AGGREGATE max(more) AS top GROUP BY customer |> WHERE top > 3",
      "FROM orders |> WHERE amount > 2 |> EXTEND amount * 2 AS twice",
      "FROM accounts |> SELECT id, balance");
  private static final List<String> WHOLE = List.of(
      "FROM orders |> AGGREGATE count(*) AS n GROUP BY kind",
      "FROM orders |> EXTEND kind AS customer |> AGGREGATE count(*) AS n GROUP BY customer",
      "FROM orders |> AGGREGATE count(*) AS n",
      "FROM orders |> AGGREGATE count(*) AS n GROUP BY customer, kind",
      "FROM orders |> UNION ALL (FROM orders) |> AGGREGATE count(*) AS n GROUP BY customer");

  private static Placement placement(String text) {
    return Placement.of(new ViewDefinition("v", 1, text, 0, false), name -> Optional.ofNullable(STREAMS.get(name)));
  }

  @Example
  void viewsWhoseRowsComeFromOnePartitionAreDividedAndOthersWhole() {
    for (String text : DIVIDED) {
      assertThat(placement(text)).as(text).isInstanceOf(Placement.Divided.class);
    }
    for (String text : WHOLE) {
      assertThat(placement(text)).as(text).isInstanceOf(Placement.Whole.class);
    }
  }

  /** One event: to the stream (customer, kind, amount) or the table (id, balance, deleted). */
  record Event(boolean table, String key, boolean numericKey, String kind, int amount, boolean delete) {}

  @Provide
  Arbitrary<List<Event>> histories() {
    Arbitrary<Event> order = Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.of(true, false),
        Arbitraries.of("a", "b"), Arbitraries.integers().between(1, 6))
        .as((k, numeric, kind, amount) -> new Event(false, numeric ? String.valueOf(k) : "c" + k, numeric, kind, amount, false));
    Arbitrary<Event> account = Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 50),
        Arbitraries.integers().between(0, 5))
        .as((k, balance, d) -> new Event(true, "acct" + k, false, null, balance, d == 0));
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, order), net.jqwik.api.Tuple.of(1, account)).list().ofMaxSize(60);
  }

  @Property(tries = 150)
  void eachPartitionAloneMakesExactlyTheRowsPartitionOfNamesIt(@ForAll("histories") List<Event> history) {
    List<Input> all = new ArrayList<>();
    Map<String, long[]> offsets = new TreeMap<>();
    for (Event e : history) {
      StreamSpec spec = e.table() ? ACCOUNTS : ORDERS;
      int p = Partitioner.partition(e.key(), spec.partitions());
      long offset = offsets.computeIfAbsent(spec.name(), n -> new long[spec.partitions()])[p]++;
      String json = e.table()
          ? "{\"id\":\"" + e.key() + "\",\"balance\":" + e.amount() + "}"
          : "{\"customer\":" + (e.numericKey() ? e.key() : "\"" + e.key() + "\"") + ",\"kind\":\"" + e.kind() + "\",\"amount\":" + e.amount() + "}";
      all.add(Input.of(spec.name(), new Record(p, offset, e.key(), null, 1_000 + all.size(), List.of(), e.delete(),
          e.delete() ? null : json.getBytes(StandardCharsets.UTF_8))));
    }
    for (String text : DIVIDED) {
      Placement.Divided divided = (Placement.Divided) placement(text);
      Map<String, String> whole = rows(text, all, divided, -1);
      Map<String, String> parts = new TreeMap<>();
      for (int p = 0; p < divided.partitions(); p++) {
        int partition = p;
        List<Input> alone = all.stream().filter(i -> !i.source().equals(divided.source()) || i.partition() == partition).toList();
        parts.putAll(rows(text, alone, divided, p));
      }
      assertThat(parts).as(text).isEqualTo(whole);
    }
  }

  /** The view's rows from {@code inputs}; with {@code partition} ≥ 0 only those partitionOf puts there. */
  private static Map<String, String> rows(String text, List<Input> inputs, Placement.Divided divided, int partition) {
    Statement.Query q = (Statement.Query) Parser.parseStatement(text);
    Map<String, String> rows = new TreeMap<>();
    for (BatchEvaluator.KeyedRow row : BatchEvaluator.view(q.pipeline(), CATALOG, text, inputs).rows()) {
      int p = divided.partitionOf(row.key());
      assertThat(p).as("the partition of row %s of %s", row.key(), text).isBetween(0, divided.partitions() - 1);
      if (partition < 0 || p == partition) {
        rows.put(row.key().toString(), new String(row.row().toJson(), StandardCharsets.UTF_8));
      }
    }
    return rows;
  }
}
