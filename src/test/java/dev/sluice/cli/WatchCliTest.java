package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.Engine;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice watch} and {@code sluice query --follow} against a real server, while events arrive. */
class WatchCliTest {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private EmbeddedLog log;
  private Engine engine;
  private SluiceServer server;
  private String url;
  private int orders;

  @BeforeEach
  void start(@TempDir Path dataDir) {
    log = EmbeddedLog.open(dataDir.resolve("log"), EmbeddedLog.Options.defaults());
    engine = Engine.open(log, dataDir.resolve("views"));
    server = SluiceServer.start(log, engine, Config.defaults().withPort(0).withDataDir(dataDir));
    url = "http://127.0.0.1:" + server.port();
    assertThat(sluice("exec", "CREATE STREAM orders KEY order_id; "
        + "CREATE VIEW totals AS FROM orders |> AGGREGATE count(*) AS n GROUP BY customer").exit()).isZero();
  }

  @AfterEach
  void stop() {
    server.stop();
    engine.close();
    log.close();
  }

  private CliTest.Run sluice(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--url", url))
        .toArray(String[]::new);
    int exit = Main.run(all, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CliTest.Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private void appendOrder(String customer, int amount) {
    String json = "{\"order_id\":\"o" + orders++ + "\",\"customer\":\"" + customer + "\",\"amount\":" + amount + "}";
    assertThat(sluice("append", "orders", json).exit()).isZero();
  }

  /** Runs {@code command} while appending orders now and then, until it ends (bounded). */
  private CliTest.Run whileAppending(String customer, String... command) throws Exception {
    CompletableFuture<CliTest.Run> run = CompletableFuture.supplyAsync(() -> sluice(command));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!run.isDone() && System.nanoTime() < deadline) {
      appendOrder(customer, 200);
      Thread.sleep(100);
    }
    return run.get(5, TimeUnit.SECONDS);
  }

  @Test
  void queryAfterAnAppendsTokenAnswersWithTheAppendAndRefusesATokenThatIsNone() {
    CliTest.Run appended = sluice("append", "orders", "{\"order_id\":\"a\",\"customer\":\"ada\",\"amount\":7}");
    String token = appended.out().replaceAll("(?s).*token (\\S+).*", "$1").trim();

    CliTest.Run run = sluice("query", "FROM orders |> SELECT order_id, amount", "--after", token);

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("a").contains("7");
    CliTest.Run bad = sluice("query", "FROM orders", "--after", "not-a-token");
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.err()).contains("token");
  }

  @Test
  void watchPrintsTheRowsThenEachChangeAsItHappens() throws Exception {
    appendOrder("ada", 1);
    CliTest.Run run = whileAppending("ada", "watch", "totals", "ada", "--count", "2");
    assertThat(run.err()).isEmpty();
    assertThat(run.exit()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(3);
    // Orders keep arriving while watch connects: the snapshot holds some count n, the changes follow it.
    var snapshot = JSON.readTree(lines.get(0));
    assertThat(snapshot.get("snapshot").asBoolean()).isTrue();
    assertThat(snapshot.get("key").asText()).isEqualTo("ada");
    long n = snapshot.get("new").get("n").asLong();
    for (int i = 1; i <= 2; i++) {
      var change = JSON.readTree(lines.get(i));
      assertThat(change.get("old").get("n").asLong()).isEqualTo(n + i - 1);
      assertThat(change.get("new").get("n").asLong()).isEqualTo(n + i);
      assertThat(change.get("position").asLong()).isPositive();
    }
  }

  @Test
  void queryFollowPrintsMatchingEventsAsTheyArrive() throws Exception {
    CliTest.Run run = whileAppending("grace", "query", "FROM orders |> WHERE amount > 100 |> SELECT customer, amount", "--follow", "--count", "2");
    assertThat(run.err()).isEmpty();
    assertThat(run.out().lines().toList()).hasSize(2)
        .allSatisfy(line -> assertThat(line).contains("\"row\":{\"customer\":\"grace\",\"amount\":200}"));
  }

  @Test
  void queryFollowRefusesAPipelineThatKeepsStateInOneLine() {
    CliTest.Run run = sluice("query", "FROM orders |> AGGREGATE count(*) AS n", "--follow");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("sluice: a followed query takes only WHERE, SELECT and EXTEND, not AGGREGATE (line 1, column 16);"
        + " to follow a result that keeps state, create a view and subscribe to its changes\n");
  }
}
