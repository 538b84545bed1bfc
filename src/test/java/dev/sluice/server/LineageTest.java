package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.Engine;
import dev.sluice.log.embedded.EmbeddedLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /lineage/{stream}/{id}}: where an operation landed and everything derived from it. */
class LineageTest {
  private EmbeddedLog log;
  private Engine engine;
  private TestServer server;

  @BeforeEach
  void start(@TempDir Path data) {
    log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults());
    engine = Engine.open(log, data.resolve("views"));
    server = new TestServer(log, engine, Config.defaults().withDataDir(data));
    server.exec("CREATE STREAM orders KEY order_id PARTITIONS 3; CREATE TABLE customers KEY customer_id PARTITIONS 2;"
        + " CREATE VIEW revenue AS FROM orders |> JOIN customers USING (customer_id)"
        + " |> AGGREGATE count(*) AS orders, sum(amount) AS revenue GROUP BY country;"
        + " CREATE STREAM big_orders KEY order_id AS FROM orders |> WHERE amount > 100;"
        + " CREATE VIEW big_by_customer AS FROM big_orders |> AGGREGATE sum(amount) AS total GROUP BY customer_id");
    String token = server.post("/streams/customers/events", "{\"customer_id\":\"c1\",\"country\":\"FR\"}").json().path("token").asText();
    // The join sees the customer before any order is appended: an order read in the same pass as the
    // customer could otherwise be joined before the customer's row is there.
    TestServer.Answer includesCustomer = server.get("/views/revenue/rows?after=" + token + "&timeout_ms=30000");
    assertThat(includesCustomer.status()).as(includesCustomer.body()).isEqualTo(200);
  }

  @AfterEach
  void stop() {
    server.server.stop();
    engine.close();
    log.close();
  }

  @Test
  void anOperationShowsWhereItLandedTheRowsItChangedAndTheEventsItDerived() throws Exception {
    JsonNode appended = server.post("/streams/orders/events", "{\"_id\":\"op-1\",\"order_id\":\"o1\",\"customer_id\":\"c1\",\"amount\":500}").json();
    JsonNode position = appended.path("positions").get(0);

    JsonNode lineage = awaitLineage("/lineage/orders/op-1", 2);

    assertThat(lineage.path("partition").asInt()).isEqualTo(position.path("partition").asInt());
    assertThat(lineage.path("offset").asLong()).isEqualTo(position.path("offset").asLong());
    assertThat(lineage.path("views").toString())
        .isEqualTo("[{\"view\":\"revenue\",\"version\":1,\"applied\":true,\"keys\":[\"FR\"]}]");
    JsonNode derived = lineage.path("derived").get(0);
    assertThat(derived.path("stream").asText()).isEqualTo("big_orders");
    assertThat(derived.path("id").asText()).startsWith("orders/op-1/");
    assertThat(derived.path("views").toString())
        .isEqualTo("[{\"view\":\"big_by_customer\",\"version\":1,\"applied\":true,\"keys\":[\"c1\"]}]");

    JsonNode derivedLineage = server.get("/lineage/big_orders/" + derived.path("id").asText()).json();
    assertThat(derivedLineage.path("causes").toString()).isEqualTo("[\"op-1\"]");
    assertThat(derivedLineage.path("offset").asLong()).isEqualTo(derived.path("offset").asLong());
  }

  @Test
  void anOperationThatChangedNothingSaysSoPerView() throws Exception {
    server.post("/streams/orders/events", "{\"_id\":\"op-2\",\"order_id\":\"o2\",\"customer_id\":\"nobody\",\"amount\":5}");

    JsonNode lineage = awaitLineage("/lineage/orders/op-2", 1);

    assertThat(lineage.path("views").toString())
        .isEqualTo("[{\"view\":\"revenue\",\"version\":1,\"applied\":true,\"keys\":[]}]");
    assertThat(lineage.path("derived").size()).isZero();
  }

  @Test
  void anEventWithAGeneratedIdHasALineageToo() throws Exception {
    JsonNode position = server.post("/streams/orders/events", "{\"order_id\":\"o3\",\"customer_id\":\"c1\",\"amount\":7}")
        .json().path("positions").get(0);
    String id = "@" + position.path("partition").asInt() + "." + position.path("offset").asLong();

    JsonNode lineage = awaitLineage("/lineage/orders/" + id, 1);

    assertThat(lineage.path("id").asText()).isEqualTo(id);
    assertThat(lineage.path("views").get(0).path("keys").toString()).isEqualTo("[\"FR\"]");
  }

  @Test
  void theCommandLinePrintsTheLineage() throws Exception {
    server.post("/streams/orders/events", "{\"_id\":\"op-4\",\"order_id\":\"o4\",\"customer_id\":\"c1\",\"amount\":900}");
    awaitLineage("/lineage/orders/op-4", 2);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();

    int exit = dev.sluice.cli.Main.run(new String[] {"lineage", "orders", "op-4", "--url", server.url()},
        java.io.InputStream.nullInputStream(), new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
        new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));

    String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(exit).as(err.toString(java.nio.charset.StandardCharsets.UTF_8)).isZero();
    assertThat(text).startsWith("orders op-4 → partition ");
    assertThat(text).contains("  view revenue v1: changed \"FR\"\n");
    assertThat(text).containsPattern("  derived big_orders orders/op-4/[0-9a-f]{16} → partition \\d offset 0\n");
    assertThat(text).contains("    caused by [\"op-4\"]\n").contains("    view big_by_customer v1: changed \"c1\"\n");
  }

  @Test
  void anUnknownIdOrStreamIsA404() {
    TestServer.Answer id = server.get("/lineage/orders/never-sent");
    TestServer.Answer stream = server.get("/lineage/nope/op-1");

    assertThat(id.status()).isEqualTo(404);
    assertThat(id.errorCode()).isEqualTo("not_found");
    assertThat(id.errorMessage()).contains("no event with id 'never-sent'");
    assertThat(stream.status()).isEqualTo(404);
    assertThat(stream.errorCode()).isEqualTo("unknown_stream");
  }

  /** The lineage once every view reading the event (and what it derived) has applied it. */
  private JsonNode awaitLineage(String path, int viewsExpected) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      TestServer.Answer answer = server.get(path);
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
      List<JsonNode> views = new ArrayList<>();
      collectViews(answer.json(), views);
      if (views.size() == viewsExpected && views.stream().allMatch(v -> v.path("applied").asBoolean())
          || System.nanoTime() > deadline) {
        return answer.json();
      }
      Thread.sleep(10);
    }
  }

  private static void collectViews(JsonNode lineage, List<JsonNode> into) {
    lineage.path("views").forEach(into::add);
    lineage.path("derived").forEach(d -> collectViews(d, into));
  }
}
