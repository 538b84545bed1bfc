package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.Engine;
import dev.sluice.log.Record;
import dev.sluice.log.embedded.EmbeddedLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code CREATE CONSTRAINT … UNIQUE}: claims decided in log order, first wins, over HTTP. */
class ConstraintTest {
  private EmbeddedLog log;
  private Engine engine;
  private TestServer server;
  private Path data;

  @BeforeEach
  void start(@TempDir Path data) {
    this.data = data;
    log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults());
    engine = Engine.open(log, data.resolve("views"));
    server = new TestServer(log, engine, Config.defaults().withDataDir(data));
    server.exec("CREATE TABLE users KEY user_id PARTITIONS 3; CREATE CONSTRAINT unique_username UNIQUE users (username)");
  }

  @AfterEach
  void stop() {
    server.server.stop();
    engine.close();
    log.close();
  }

  private JsonNode claim(String body) {
    TestServer.Answer answer = server.post("/streams/users/events?wait=outcome", body);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer.json();
  }

  private static String outcome(JsonNode answer) {
    return answer.path("positions").get(0).path("outcome").asText();
  }

  @Test
  void theFirstClaimOfAValueWinsAndLaterOnesAreRejectedWithTheReason() {
    JsonNode first = claim("{\"user_id\":\"u1\",\"username\":\"alice\"}");
    JsonNode second = claim("{\"user_id\":\"u2\",\"username\":\"alice\"}");

    assertThat(outcome(first)).isEqualTo("accepted");
    JsonNode landed = first.path("positions").get(0);
    List<Record> users = log.read("users", landed.path("partition").asInt(), landed.path("offset").asLong(), 1);
    assertThat(new String(users.get(0).value(), StandardCharsets.UTF_8)).contains("\"alice\"").contains("\"u1\"");
    assertThat(outcome(second)).isEqualTo("rejected");
    assertThat(second.path("positions").get(0).path("reason").asText())
        .isEqualTo("unique_username: username = \"alice\" is held by row 'u1'");
    assertThat(second.path("positions").get(0).has("offset")).isFalse();
    assertThat(log.stats("users").events()).as("events in users").isEqualTo(1);
  }

  @Test
  void aRowKeepsItsOwnValueAndReleasesItWhenChangedOrDeleted() {
    assertThat(outcome(claim("{\"user_id\":\"u1\",\"username\":\"alice\"}"))).isEqualTo("accepted");
    assertThat(outcome(claim("{\"user_id\":\"u1\",\"username\":\"alice\",\"age\":30}"))).as("the same row again").isEqualTo("accepted");
    assertThat(outcome(claim("{\"user_id\":\"u1\",\"username\":\"alicia\"}"))).as("a new value").isEqualTo("accepted");
    assertThat(outcome(claim("{\"user_id\":\"u2\",\"username\":\"alice\"}"))).as("alice, released by u1").isEqualTo("accepted");
    assertThat(outcome(claim("{\"user_id\":\"u3\",\"username\":\"alice\"}"))).as("alice, held by u2").isEqualTo("rejected");

    assertThat(outcome(claim("{\"_key\":\"u2\",\"_delete\":true}"))).isEqualTo("accepted");

    assertThat(outcome(claim("{\"user_id\":\"u3\",\"username\":\"alice\"}"))).as("alice, released by the delete").isEqualTo("accepted");
  }

  @Test
  void aRetriedClaimIsAnsweredWithTheFirstDecision() {
    JsonNode first = claim("{\"_id\":\"signup-1\",\"user_id\":\"u1\",\"username\":\"bob\"}");
    claim("{\"user_id\":\"u9\",\"username\":\"carol\"}");
    JsonNode retry = claim("{\"_id\":\"signup-1\",\"user_id\":\"u1\",\"username\":\"bob\"}");

    assertThat(retry.path("duplicates").asInt()).isEqualTo(1);
    assertThat(retry.path("positions").get(0).path("duplicate").asBoolean()).isTrue();
    assertThat(outcome(retry)).isEqualTo("accepted");
    assertThat(retry.path("positions").get(0).path("offset")).isEqualTo(first.path("positions").get(0).path("offset"));
  }

  @Test
  void withoutWaitingTheClaimIsAcknowledgedDurableAndItsDecisionIsAnEventOfItsOwn() throws Exception {
    TestServer.Answer answer = server.post("/streams/users/events", "[{\"_id\":\"a\",\"user_id\":\"u1\",\"username\":\"dave\"},"
        + "{\"_id\":\"b\",\"user_id\":\"u2\",\"username\":\"dave\"}]");

    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.json().path("positions").get(0).has("outcome")).isFalse();
    assertThat(answer.json().path("positions").get(0).path("claim").path("stream").asText()).isEqualTo("unique_username_claims");
    List<String> decisions = awaitDecisions(2);
    assertThat(decisions).hasSize(2);
    assertThat(decisions).anySatisfy(d -> assertThat(d).contains("\"outcome\":\"accepted\"").contains("\"id\":\"a\""));
    assertThat(decisions).anySatisfy(d -> assertThat(d).contains("\"outcome\":\"rejected\"").contains("\"id\":\"b\"")
        .contains("is held by row 'u1'"));
  }

  @Test
  void aConstraintOverDataThatViolatesItIsRefusedNamingTheViolators() {
    server.exec("CREATE STREAM signups KEY user_id");
    server.post("/streams/signups/events", "[{\"_id\":\"s1\",\"user_id\":\"u1\",\"email\":\"x@example.com\"},"
        + "{\"_id\":\"s2\",\"user_id\":\"u2\",\"email\":\"x@example.com\"},{\"_id\":\"s3\",\"user_id\":\"u3\",\"email\":\"y@example.com\"}]");

    TestServer.Answer answer = server.post("/statements", "CREATE CONSTRAINT unique_email UNIQUE signups (email)", "text/plain");

    assertThat(answer.status()).isEqualTo(409);
    assertThat(answer.errorCode()).isEqualTo("constraint_violated");
    assertThat(answer.errorMessage()).contains("1 value is already held more than once in 'signups'")
        .contains("email = \"x@example.com\" held by [s1, s2]");
    assertThat(engine.constraints().on("signups")).isEmpty();
  }

  @Test
  void aConstraintOverExistingDataHoldsItsValues() {
    server.exec("CREATE STREAM signups KEY user_id");
    server.post("/streams/signups/events", "{\"_id\":\"s1\",\"user_id\":\"u1\",\"email\":\"x@example.com\"}");
    server.exec("CREATE CONSTRAINT unique_email UNIQUE signups (email)");

    TestServer.Answer answer = server.post("/streams/signups/events?wait=outcome", "{\"user_id\":\"u2\",\"email\":\"x@example.com\"}");

    assertThat(answer.json().path("positions").get(0).path("outcome").asText()).isEqualTo("rejected");
    assertThat(answer.json().path("positions").get(0).path("reason").asText()).contains("is held by event 's1'");
  }

  @Test
  void showConstraintsListsThemWithTheirStreams() {
    JsonNode shown = server.exec("SHOW CONSTRAINTS").json().get(0);

    assertThat(shown.path("rows").toString())
        .isEqualTo("[[\"unique_username\",\"unique\",\"users\",\"username\",\"unique_username_claims\",\"unique_username_decisions\"]]");
  }

  @Test
  void waitOnAStreamWithoutAConstraintIsRefused() {
    server.exec("CREATE STREAM orders KEY order_id");

    TestServer.Answer answer = server.post("/streams/orders/events?wait=outcome", "{\"order_id\":\"o1\"}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.errorMessage()).contains("'orders' has none");
    assertThat(log.stats("orders").events()).isZero();
  }

  @Test
  void aDroppedConstraintDecidesItsPendingClaimsThenAppendsGoStraightToTheStream() throws Exception {
    // Acknowledged as durable claims, not yet decided: the drop must still decide them.
    TestServer.Answer pending = server.post("/streams/users/events", "[{\"_id\":\"a\",\"user_id\":\"u1\",\"username\":\"erin\"},"
        + "{\"_id\":\"b\",\"user_id\":\"u2\",\"username\":\"erin\"}]");
    assertThat(pending.status()).as(pending.body()).isEqualTo(200);

    TestServer.Answer dropped = server.exec("DROP CONSTRAINT unique_username");

    assertThat(dropped.json().get(0).path("dropped").asBoolean()).as(dropped.body()).isTrue();
    assertThat(awaitDecisions(2)).as("decisions of the claims made before the drop").hasSize(2);
    assertThat(log.stats("users").events()).as("the accepted one of them").isEqualTo(1);
    assertThat(server.exec("SHOW CONSTRAINTS").json().get(0).path("rows").size()).isZero();
    TestServer.Answer plain = server.post("/streams/users/events", "{\"user_id\":\"u3\",\"username\":\"erin\"}");
    assertThat(plain.json().path("positions").get(0).has("claim")).as(plain.body()).isFalse();
    assertThat(log.stats("users").events()).as("a second erin, unchecked").isEqualTo(2);
    assertThat(server.post("/streams/users/events?wait=outcome", "{\"user_id\":\"u4\"}").status())
        .as("wait=outcome without a constraint").isEqualTo(400);

    TestServer.Answer again = server.post("/statements", "DROP CONSTRAINT unique_username", "text/plain");
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.errorCode()).isEqualTo("not_found");
    assertThat(again.errorMessage()).contains("no constraint is named 'unique_username'");
    assertThat(server.exec("DROP CONSTRAINT IF EXISTS unique_username").json().get(0).path("dropped").asBoolean()).isFalse();
  }

  @Test
  void aDroppedConstraintStaysDroppedAfterARestart() {
    server.exec("DROP CONSTRAINT unique_username");
    stop();
    log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults());
    engine = Engine.open(log, data.resolve("views"));
    server = new TestServer(log, engine, Config.defaults().withDataDir(data));

    assertThat(engine.constraints().all()).isEmpty();
    TestServer.Answer plain = server.post("/streams/users/events", "[{\"user_id\":\"u1\",\"username\":\"fay\"},"
        + "{\"user_id\":\"u2\",\"username\":\"fay\"}]");
    assertThat(plain.status()).as(plain.body()).isEqualTo(200);
    assertThat(log.stats("users").events()).isEqualTo(2);
  }

  private List<String> awaitDecisions(int n) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      List<String> all = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        log.read("unique_username_decisions", p, 0, 100).forEach(r -> all.add(new String(r.value(), StandardCharsets.UTF_8)));
      }
      if (all.size() >= n || System.nanoTime() > deadline) {
        return all;
      }
      Thread.sleep(10);
    }
  }
}
