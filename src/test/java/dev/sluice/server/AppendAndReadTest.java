package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Token;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppendAndReadTest {
  private TestServer server;

  @BeforeEach
  void start(@TempDir Path dataDir) {
    server = TestServer.onEmbeddedLog(dataDir, Config.defaults());
    server.exec("CREATE STREAM orders KEY order_id PARTITIONS 4; CREATE TABLE customers KEY id");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private List<JsonNode> read(String query) {
    TestServer.Answer answer = server.get("/streams/orders/events?" + query);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.contentType()).startsWith("application/x-ndjson");
    return answer.body().lines().map(line -> new TestServer.Answer(200, "", line).json()).toList();
  }

  @Test
  void oneObjectIsAppendedAndReadBackWithItsEnvelope() {
    TestServer.Answer answer = server.post("/streams/orders/events",
        "{\"order_id\":\"o1\",\"amount\":30,\"_time\":1700000000000,\"_causes\":[\"c1\"]}");

    assertThat(answer.status()).isEqualTo(200);
    JsonNode result = answer.json();
    int partition = Partitioner.partition("o1", 4);
    assertThat(result.get("appended").asInt()).isEqualTo(1);
    assertThat(result.get("duplicates").asInt()).isZero();
    assertThat(result.get("positions").get(0).toString())
        .isEqualTo("{\"partition\":" + partition + ",\"offset\":0,\"duplicate\":false}");
    assertThat(Token.decode(result.get("token").asText()).ends()).isEqualTo(Map.of("orders", Map.of(partition, 1L)));

    List<JsonNode> records = read("partition=" + partition);
    assertThat(records).hasSize(1);
    assertThat(records.get(0).toString()).isEqualTo("{\"_key\":\"o1\",\"_id\":\"@" + partition
        + ".0\",\"_time\":1700000000000,\"_partition\":" + partition + ",\"_offset\":0,\"_causes\":[\"c1\"],"
        + "\"order_id\":\"o1\",\"amount\":30}");
  }

  @Test
  void anArrayIsAppendedInOrderWithOnePositionPerEvent() {
    TestServer.Answer answer = server.post("/streams/orders/events",
        "[{\"_key\":\"k\",\"n\":1},{\"_key\":\"k\",\"n\":2},{\"_key\":\"k\",\"n\":3}]");

    int partition = Partitioner.partition("k", 4);
    assertThat(answer.json().get("appended").asInt()).isEqualTo(3);
    assertThat(answer.json().get("positions").findValues("offset")).extracting(JsonNode::asLong)
        .containsExactly(0L, 1L, 2L);
    assertThat(read("partition=" + partition)).extracting(r -> r.get("n").asInt()).containsExactly(1, 2, 3);
  }

  @Test
  void ndjsonIsAppendedLineByLineAndNumbersKeepTheirText() {
    String body = "{\"order_id\":7,\"price\":1.10}\n\n{\"order_id\":7,\"price\":2E+3,\"tags\":[\"a\",{\"b\":null}]}\n";

    TestServer.Answer answer = server.post("/streams/orders/events", body, "application/x-ndjson");

    assertThat(answer.json().get("appended").asInt()).isEqualTo(2);
    String lines = server.get("/streams/orders/events?partition=" + Partitioner.partition("7", 4)).body();
    assertThat(lines).contains("\"_key\":\"7\"", "\"price\":1.10}", "\"price\":2E+3,\"tags\":[\"a\",{\"b\":null}]}");
  }

  @Test
  void curlsDefaultFormEncodingIsReadAsJson() {
    TestServer.Answer answer =
        server.post("/streams/orders/events", "{\"order_id\":\"a&b=c\"}", "application/x-www-form-urlencoded");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(server.get("/streams/orders/events?partition=" + Partitioner.partition("a&b=c", 4)).body())
        .contains("\"order_id\":\"a&b=c\"");
  }

  @Test
  void aRepeatedIdIsADuplicateAnsweredWithTheFirstPosition() {
    JsonNode first = server.post("/streams/orders/events", "{\"order_id\":\"o1\",\"_id\":\"op-1\"}").json();
    server.post("/streams/orders/events", "{\"order_id\":\"o1\"}");

    JsonNode again = server.post("/streams/orders/events", "{\"order_id\":\"o1\",\"_id\":\"op-1\",\"v\":2}").json();

    assertThat(again.get("appended").asInt()).isZero();
    assertThat(again.get("duplicates").asInt()).isEqualTo(1);
    JsonNode position = again.get("positions").get(0);
    assertThat(position.get("duplicate").asBoolean()).isTrue();
    assertThat(position.get("offset").asLong()).isEqualTo(first.get("positions").get(0).get("offset").asLong());
    assertThat(read("partition=" + Partitioner.partition("o1", 4))).hasSize(2);
  }

  @Test
  void aTableTakesTombstones() {
    TestServer.Answer answer = server.post("/streams/customers/events", "{\"id\":\"c1\",\"_delete\":true}");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(server.get("/streams/customers/events").body()).contains("\"_delete\":true");
  }

  @Test
  void aNestedKeyFieldIsFoundInsideTheValue() {
    server.exec("CREATE TABLE payments KEY payment.id");

    TestServer.Answer answer = server.post("/streams/payments/events",
        "{\"payment\":{\"amount\":5,\"id\":\"p1\"},\"id\":\"not this\"}");
    TestServer.Answer missing = server.post("/streams/payments/events", "{\"payment\":{\"amount\":5},\"id\":\"x\"}");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(server.get("/streams/payments/events").body())
        .startsWith("{\"_key\":\"p1\",").endsWith("\"payment\":{\"amount\":5,\"id\":\"p1\"},\"id\":\"not this\"}\n");
    assertThat(missing.errorCode()).isEqualTo("missing_key");
    assertThat(missing.errorMessage()).contains("'payment.id'");
  }

  @Test
  void readStartsAtFromAndStopsAtLimit() {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 2500; i++) {
      body.append("{\"_key\":\"k\",\"n\":").append(i).append("}\n");
    }
    server.post("/streams/orders/events", body.toString(), "application/x-ndjson");
    String partition = "partition=" + Partitioner.partition("k", 4);

    assertThat(read(partition)).hasSize(ReadRoute.LIMIT_DEFAULT);
    assertThat(read(partition + "&from=2400&limit=50")).extracting(r -> r.get("_offset").asLong())
        .containsExactlyElementsOf(java.util.stream.LongStream.range(2400, 2450).boxed().toList());
    assertThat(read(partition + "&from=1000&limit=100000")).hasSize(1500);
    assertThat(read(partition + "&from=9999")).isEmpty();
  }

  @Test
  void followReceivesAnEventAppendedAfterTheRequestStarted() throws Exception {
    server.post("/streams/orders/events", "{\"order_id\":\"o1\",\"n\":1}");
    HttpRequest follow = HttpRequest.newBuilder(
        server.uri("/streams/orders/events?follow=true&partition=" + Partitioner.partition("o1", 4))).build();
    HttpResponse<InputStream> response = server.http.send(follow, HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      assertThat(lines.readLine()).contains("\"n\":1");

      server.post("/streams/orders/events", "{\"order_id\":\"o1\",\"n\":2}");

      assertThat(lines.readLine()).contains("\"n\":2", "\"_offset\":1");
    }
  }

  @Test
  void followEndsOnceItsClientHasGone() throws Exception {
    HttpRequest follow = HttpRequest.newBuilder(server.uri("/streams/orders/events?follow=true")).build();
    HttpResponse<InputStream> response = server.http.send(follow, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(server.get("/status").json().get("followers").asInt()).isEqualTo(1);

    response.body().close();

    long deadline = System.nanoTime() + 10_000_000_000L;
    while (server.get("/status").json().get("followers").asInt() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(server.get("/status").json().get("followers").asInt()).isZero();
  }

  @Test
  void aFollowBeyondTheLimitIsRefusedAsOverload(@TempDir Path otherDir) throws Exception {
    try (TestServer small = TestServer.onEmbeddedLog(otherDir, Config.defaults().withFollowersLimit(1))) {
      small.exec("CREATE STREAM s");
      HttpRequest follow = HttpRequest.newBuilder(small.uri("/streams/s/events?follow=true")).build();
      HttpResponse<InputStream> first = small.http.send(follow, HttpResponse.BodyHandlers.ofInputStream());

      TestServer.Answer second = small.get("/streams/s/events?follow=true");

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(second.status()).isEqualTo(503);
      assertThat(second.errorCode()).isEqualTo("overloaded");
      first.body().close();
    }
  }

  @Test
  void streamsAndStatusDescribeWhatIsStored() {
    server.post("/streams/orders/events", "[{\"order_id\":\"a\"},{\"order_id\":\"b\"}]");

    JsonNode orders = server.get("/streams").json().get(1);
    assertThat(orders.get("name").asText()).isEqualTo("orders");
    assertThat(orders.get("kind").asText()).isEqualTo("stream");
    assertThat(orders.get("key").asText()).isEqualTo("order_id");
    assertThat(orders.get("partitions").asInt()).isEqualTo(4);
    assertThat(orders.get("end_offsets")).hasSize(4);
    assertThat(orders.get("events").asLong()).isEqualTo(2);
    JsonNode status = server.get("/status").json();
    assertThat(status.get("streams").get("count").asInt()).isEqualTo(2);
    assertThat(status.get("streams").get("events").asLong()).isEqualTo(2);
    assertThat(server.get("/health").body()).isEqualTo("{\"status\":\"ok\"}");
  }

  @Test
  void statementsAnswerOneResultEach() {
    JsonNode results = server.post("/statements",
        "create stream if not exists orders key order_id partitions 4;\n"
            + "CREATE STREAM clicks;  -- no key: events carry _key\nSHOW STREAMS;", "text/plain").json();

    assertThat(results).hasSize(3);
    assertThat(results.get(0).toString()).isEqualTo("{\"statement\":\"CREATE STREAM\",\"stream\":\"orders\",\"created\":false}");
    assertThat(results.get(1).get("created").asBoolean()).isTrue();
    assertThat(results.get(2).get("columns").toString()).isEqualTo("[\"name\",\"kind\",\"key\",\"partitions\",\"events\",\"bytes\"]");
    assertThat(results.get(2).get("rows")).extracting(row -> row.get(0).asText()).containsExactly("clicks", "customers", "orders");
  }
}
