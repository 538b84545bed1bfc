package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.log.Token;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /views/{v}/changes} as subscribers use it: offline, back, many at once. */
class ChangesStreamTest {
  private static final String SETUP = "CREATE STREAM orders KEY order_id PARTITIONS 3;"
      + " CREATE VIEW totals AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer";
  /** Short heartbeats, so an idle subscriber wakes to check whether it is done. */
  private static final String CHANGES = "/views/totals/changes?heartbeat_ms=100";

  @TempDir Path dir;
  private final Random random = new Random(7);
  private int orders;

  /** Appends 1 to 4 orders of random customers; returns the token. */
  private Token appendSome(ObservedServer server) {
    StringBuilder body = new StringBuilder("[");
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      body.append(i == 0 ? "" : ",").append("{\"order_id\":\"o").append(orders++).append("\",\"customer\":\"c")
          .append(random.nextInt(25)).append("\",\"amount\":").append(random.nextInt(100)).append('}');
    }
    body.append(']');
    return Token.decode(server.post("/streams/orders/events", body.toString()).json().get("token").asText());
  }

  @Test
  void subscribersThatDropAndResumeAtRandomAcrossARestartFoldToTheViewsRowsWithNoChangeLostOrRepeated() throws Exception {
    try (ObservedServer server = new ObservedServer(dir);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      server.post("/statements", SETUP);
      AtomicBoolean producing = new AtomicBoolean(true);
      List<SseSubscriber> subscribers = new ArrayList<>();
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        SseSubscriber subscriber = new SseSubscriber(server.http, server::url, CHANGES);
        subscribers.add(subscriber);
        long seed = i;
        running.add(threads.submit(() -> {
          Random own = new Random(seed);
          while (producing.get()) {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10 + own.nextInt(150));
            if (!subscriber.readUntil(() -> System.nanoTime() > until)) {
              Thread.sleep(20); // the server is restarting
            }
            Thread.sleep(own.nextInt(50)); // offline for a while
          }
          return null;
        }));
      }
      Token token = Token.empty();
      for (int i = 0; i < 300; i++) {
        token = token.merge(appendSome(server));
        if (i == 150) {
          server.restart();
        }
      }
      producing.set(false);
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS); // a fold that saw a change lost or repeated fails here
      }

      Map<String, JsonNode> rows = server.rows("totals", "customer", token.encode());
      assertThat(rows).hasSize(25);
      for (SseSubscriber subscriber : subscribers) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        subscriber.readUntil(() -> subscriber.fold.rows().equals(rows) || System.nanoTime() > deadline);
        assertThat(subscriber.fold.rows()).isEqualTo(rows);
        assertThat(subscriber.connects).isGreaterThan(2);
      }
    }
  }

  @Test
  void aThousandSubscribersFollowAViewWhileEventsArrive() throws Exception {
    try (ObservedServer server = new ObservedServer(dir);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      server.post("/statements", SETUP);
      appendSome(server);
      List<SseSubscriber> subscribers = new ArrayList<>();
      List<Future<Boolean>> running = new ArrayList<>();
      Map<String, JsonNode>[] expected = new Map[1];
      for (int i = 0; i < 1000; i++) {
        SseSubscriber subscriber = new SseSubscriber(server.http, server::url, CHANGES);
        subscribers.add(subscriber);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        running.add(threads.submit(() -> subscriber.readUntil(
            () -> expected[0] != null && subscriber.fold.rows().equals(expected[0]) || System.nanoTime() > deadline)));
      }
      Token token = Token.empty();
      for (int i = 0; i < 60; i++) {
        token = token.merge(appendSome(server));
      }
      Map<String, JsonNode> rows = server.rows("totals", "customer", token.encode());
      synchronized (expected) {
        expected[0] = rows;
      }
      for (Future<Boolean> f : running) {
        assertThat(f.get(120, TimeUnit.SECONDS)).isTrue();
      }
      for (SseSubscriber subscriber : subscribers) {
        assertThat(subscriber.fold.rows()).isEqualTo(rows);
        assertThat(subscriber.connects).isEqualTo(1);
      }
    }
  }

  @Test
  void aSubscriptionAfterATokenTheViewDoesNotReachAnswers504WithTheLag() throws Exception {
    try (ObservedServer server = new ObservedServer(dir)) {
      server.post("/statements", SETUP);
      appendSome(server);
      String beyond = Token.ofEnds("orders", new long[] {1000, 1000, 1000}).encode();
      TestServer.Answer answer = server.get("/views/totals/changes?timeout_ms=100&after=" + beyond);
      assertThat(answer.status()).isEqualTo(504);
      assertThat(answer.errorCode()).isEqualTo("timeout");
      assertThat(answer.errorMessage()).contains("events behind the log");
    }
  }

  @Test
  void badSubscriptionsAreRefusedByNameBeforeAnyEvent() throws Exception {
    try (ObservedServer server = new ObservedServer(dir)) {
      server.post("/statements", SETUP + "; CREATE STREAM big AS FROM orders |> WHERE amount > 50");
      assertThat(server.get("/views/totals/changes?key=a&prefix=b").errorMessage()).isEqualTo("give key= or prefix=, not both");
      assertThat(server.get("/views/totalz/changes").status()).isEqualTo(404);
      assertThat(server.get("/views/totals/changes?from=last").errorMessage()).contains("'last' is not a change position");
      assertThat(server.get("/views/totals/changes?form=1").errorMessage()).contains("unknown parameter 'form'");
      assertThat(server.get("/views/big/changes").errorMessage()).contains("derived stream");
      assertThat(server.get("/query?q=FROM%20orders%20%7C%3E%20AGGREGATE%20count(*)%20AS%20n&follow=true").errorCode())
          .isEqualTo("invalid_statement");
    }
  }
}
