package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.stores.Folders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A view's changelog is derived data too: on random histories of orders and customer updates and
 * deletes (which retract earlier contributions), appended in random batches with a restart at a
 * random point, the changelog folded from its first change equals the pipeline run as a batch, and
 * each change's old row is the row before it.
 */
class ChangelogPropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String REVENUE = "FROM orders |> WHERE status = 'paid' |> JOIN customers USING (customer_id)"
      + " |> AGGREGATE count(*) AS orders, sum(amount) AS revenue GROUP BY country";

  @Property(tries = 12)
  void theChangelogFoldedFromTheStartEqualsTheBatchResult(@ForAll long seed, @ForAll @IntRange(min = 1, max = 60) int appends)
      throws Exception {
    Path dir = Files.createTempDirectory("sluice-changelog-property");
    Random random = new Random(seed);
    int restartAt = random.nextInt(appends);
    EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    Engine engine = Engine.open(log, dir.resolve("views"));
    try {
      log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
      log.create(new StreamSpec("customers", StreamKind.TABLE, "customer_id", 2), false);
      engine.create("revenue", REVENUE, false, false);
      Token token = Token.empty();
      for (int a = 0; a < appends; a++) {
        token = token.merge(appendRandom(log, random, a));
        if (a == restartAt) {
          engine.close();
          log.close();
          log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
          engine = Engine.open(log, dir.resolve("views"));
        }
      }
      Map<String, JsonNode> rows = new TreeMap<>();
      for (Engine.KeyedJson row : engine.scan("revenue", null, null, null, 100_000, token, WAIT)) {
        rows.put(JSON.readTree(row.key().toString()).toString(), JSON.readTree(row.json()));
      }
      ChangeFold fold = new ChangeFold(true).startingAt("1:0");
      try (Subscription changes = engine.subscribe("revenue", Subscription.Filter.ALL, "1:0", token, WAIT)) {
        for (List<Subscription.Event> events; !(events = changes.next(0)).isEmpty(); ) {
          for (Subscription.Event e : events) {
            fold.apply(e.kind().wireName(), new String(e.json(), StandardCharsets.UTF_8));
          }
        }
      }
      assertThat(fold.rows()).isEqualTo(rows);
      Map<String, JsonNode> batch = new TreeMap<>();
      for (Map.Entry<String, String> e : Recomputation.batch(REVENUE, log, Recomputation.history(log)).entrySet()) {
        batch.put(JSON.readTree(e.getKey()).toString(), JSON.readTree(e.getValue()));
      }
      assertThat(fold.rows()).isEqualTo(batch);
    } finally {
      engine.close();
      log.close();
      Folders.delete(dir);
    }
  }

  private static Token appendRandom(EmbeddedLog log, Random random, int a) throws Exception {
    List<Event> events = new ArrayList<>();
    boolean customers = random.nextInt(3) == 0;
    for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
      if (customers) {
        String id = "c" + random.nextInt(5);
        boolean delete = random.nextInt(5) == 0;
        String json = "{\"customer_id\":\"" + id + "\",\"country\":\"" + List.of("FR", "DE", "US").get(random.nextInt(3)) + "\"}";
        events.add(new Event(id, null, null, List.of(), delete, json.getBytes(StandardCharsets.UTF_8)));
      } else {
        String id = "o" + a + "-" + i;
        String json = "{\"order_id\":\"" + id + "\",\"customer_id\":\"c" + random.nextInt(5) + "\",\"amount\":" + random.nextInt(100)
            + ",\"status\":\"" + (random.nextBoolean() ? "paid" : "open") + "\"}";
        events.add(new Event(id, null, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8)));
      }
    }
    return log.append(customers ? "customers" : "orders", events).get(30, TimeUnit.SECONDS).token();
  }
}
