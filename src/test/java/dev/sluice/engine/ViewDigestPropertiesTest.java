package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.BatchEvaluator;
import dev.sluice.stores.Folders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The digest a view keeps change by change, across a restart, equals the digest of the same
 * pipeline run as a batch over the same events — and of the rows it stores.
 */
class ViewDigestPropertiesTest {
  private static final String VIEW = "FROM orders |> JOIN customers USING (customer_id)"
      + " |> AGGREGATE count(*) AS orders, sum(amount) AS revenue GROUP BY country";
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** One request: events to orders, or to customers (updates and deletes included). */
  record Request(boolean customers, List<String[]> events) {}

  @Provide
  Arbitrary<List<Request>> histories() {
    Arbitrary<String[]> order = Combinators.combine(Arbitraries.integers().between(0, 30), Arbitraries.integers().between(0, 4),
        Arbitraries.integers().between(1, 100)).as((o, c, a) -> new String[] {"o" + o, "c" + c, String.valueOf(a)});
    Arbitrary<String[]> customer = Combinators.combine(Arbitraries.integers().between(0, 4), Arbitraries.of("FR", "DE", "IT", "-"))
        .as((c, country) -> new String[] {"c" + c, country});
    Arbitrary<Request> orders = order.list().ofMinSize(1).ofMaxSize(5).map(e -> new Request(false, e));
    Arbitrary<Request> customers = customer.list().ofMinSize(1).ofMaxSize(3).map(e -> new Request(true, e));
    return Arbitraries.oneOf(orders, customers).list().ofMinSize(1).ofMaxSize(15);
  }

  @Property(tries = 6)
  void theCheckpointedDigestEqualsTheBatchRecomputation(@ForAll("histories") List<Request> history,
      @ForAll("restartPoints") int restartAt) throws Exception {
    Path dir = Files.createTempDirectory("sluice-digest");
    EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    Engine engine = null;
    try {
      log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
      log.create(new StreamSpec("customers", StreamKind.TABLE, "customer_id", 2), false);
      engine = Engine.open(log, dir.resolve("views"));
      engine.create("revenue", ((Statement.Query) Parser.parseStatement(VIEW)).pipeline(), VIEW, false, false);
      Token token = Token.empty();
      for (int i = 0; i < history.size(); i++) {
        if (i == restartAt % history.size()) {
          engine.close();
          engine = Engine.open(log, dir.resolve("views"));
        }
        Request request = history.get(i);
        token = token.merge(log.append(request.customers() ? "customers" : "orders", events(request)).get().token());
      }
      engine.scan("revenue", null, null, null, 1, token, WAIT);
      DigestCheckpoint checkpoint = awaitCheckpoint(engine, token, Recomputation.sources(VIEW, log));

      long stored = 0;
      for (Engine.KeyedJson row : engine.scan("revenue", null, null, null, Integer.MAX_VALUE, null, WAIT)) {
        stored += ViewDigest.rowHash(row.key().bytes(), row.json());
      }
      long batch = 0;
      var result = BatchEvaluator.view(((Statement.Query) Parser.parseStatement(VIEW)).pipeline(),
          engine.catalog(), VIEW, Recomputation.history(log));
      for (BatchEvaluator.KeyedRow row : result.rows()) {
        batch += ViewDigest.rowHash(row.key().bytes(), row.row().toJson());
      }
      assertThat(checkpoint.digest()).isEqualTo(ViewDigest.hex(batch)).isEqualTo(ViewDigest.hex(stored));
      assertThat(checkpoint.rows()).isEqualTo(result.rows().size());
    } finally {
      if (engine != null) {
        engine.close();
      }
      log.close();
      Folders.delete(dir);
    }
  }

  @Provide
  Arbitrary<Integer> restartPoints() {
    return Arbitraries.integers().between(0, 30);
  }

  private static List<Event> events(Request request) {
    List<Event> events = new ArrayList<>();
    for (String[] e : request.events()) {
      if (request.customers() && e[1].equals("-")) {
        events.add(new Event(e[0], null, null, List.of(), true, "{}".getBytes(StandardCharsets.UTF_8)));
      } else if (request.customers()) {
        events.add(Event.of(e[0], ("{\"customer_id\":\"" + e[0] + "\",\"country\":\"" + e[1] + "\"}").getBytes(StandardCharsets.UTF_8)));
      } else {
        events.add(Event.of(e[0], ("{\"order_id\":\"" + e[0] + "\",\"customer_id\":\"" + e[1] + "\",\"amount\":" + e[2] + "}")
            .getBytes(StandardCharsets.UTF_8)));
      }
    }
    return events;
  }

  /** The first published checkpoint that covers {@code token}. */
  private static DigestCheckpoint awaitCheckpoint(Engine engine, Token token, Set<String> sources)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (DigestCheckpoint c : engine.digests()) {
        if (Recomputation.covers(c, token, sources)) {
          return c;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no digest checkpoint covered " + token + " within " + WAIT + ": " + engine.digests());
  }
}
