package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.kafka.TestKafka;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uniqueness constraints on a cluster (docs/kafka.md "Constraints on a cluster"): declared in the
 * catalog topic, so every instance turns appends into claims; each claims partition decided by its
 * owner alone, its writes fenced; outcomes read from the log through any instance.
 */
@Tag("kafka")
class ConstraintsOnClusterTest {
  @TempDir Path dir;
  @RegisterExtension final Instances instances = new Instances();
  private final ClusterClient client = new ClusterClient();

  private HttpResponse<String> post(String url, String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url + path))
        .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** Appends one event with {@code wait=outcome}; the answer's first position. */
  private JsonNode claim(String url, String stream, String event) throws Exception {
    HttpResponse<String> r = post(url, "/streams/" + stream + "/events?wait=outcome&timeout_ms=30000", event);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return ClusterClient.JSON.readTree(r.body()).path("positions").get(0);
  }

  /** Every event of {@code stream} through {@code url}, all partitions. */
  private List<JsonNode> events(String url, String stream, int partitions) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      HttpResponse<String> r = client.get(url + "/streams/" + stream + "/events?partition=" + p + "&from=0&limit=100000");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      for (String line : r.body().split("\n")) {
        if (!line.isBlank()) {
          out.add(ClusterClient.JSON.readTree(line));
        }
      }
    }
    return out;
  }

  @Test
  void aConstraintDeclaredOnOneInstanceIsEnforcedThroughAnother() throws Exception {
    String cluster = TestKafka.newCluster("kcons");
    String a = instances.start(cluster, dir.resolve("a")).url;
    String b = instances.start(cluster, dir.resolve("b")).url;
    client.statements(a, "", "CREATE TABLE users KEY user_id PARTITIONS 2");
    client.awaitDivided(List.of(a, b), "users");
    client.append(a, "users", "{\"user_id\":\"u0\",\"username\":\"zed\"}");
    client.statements(a, "", "CREATE CONSTRAINT unique_username UNIQUE users (username)");
    client.awaitDivided(List.of(a, b), "unique_username_claims");

    JsonNode first = claim(b, "users", "{\"user_id\":\"u1\",\"username\":\"alice\"}");
    JsonNode second = claim(a, "users", "{\"user_id\":\"u2\",\"username\":\"alice\"}");
    JsonNode held = claim(b, "users", "{\"user_id\":\"u3\",\"username\":\"zed\"}");
    JsonNode third = claim(a, "users", "{\"user_id\":\"u3\",\"username\":\"bob\"}");

    assertThat(first.path("outcome").asText()).as(first.toString()).isEqualTo("accepted");
    assertThat(second.path("outcome").asText()).as(second.toString()).isEqualTo("rejected");
    assertThat(second.path("reason").asText()).contains("\"alice\" is held by row 'u1'");
    assertThat(held.path("reason").asText()).as("a value held before the constraint, seeded on whichever instance owns it")
        .contains("\"zed\" is held by row 'u0'");
    assertThat(third.path("outcome").asText()).as(third.toString()).isEqualTo("accepted");
    // A row that takes another value releases its old one, in whichever claims partition holds it.
    assertThat(claim(a, "users", "{\"user_id\":\"u1\",\"username\":\"alicia\"}").path("outcome").asText()).isEqualTo("accepted");
    JsonNode released = claim(b, "users", "{\"user_id\":\"u2\",\"username\":\"alice\"}");
    assertThat(released.path("outcome").asText()).as("alice after u1 let it go: %s", released).isEqualTo("accepted");
    JsonNode shown = client.statements(b, "", "SHOW CONSTRAINTS");
    assertThat(shown.toString()).as("b lists the constraint a declared").contains("unique_username");
  }

  @Test
  void oneValueClaimedThroughTwoInstancesAtOnceIsAcceptedOnce() throws Exception {
    String cluster = TestKafka.newCluster("kcons");
    String a = instances.start(cluster, dir.resolve("a")).url;
    String b = instances.start(cluster, dir.resolve("b")).url;
    client.statements(a, "", "CREATE STREAM signups KEY email PARTITIONS 2");
    client.awaitDivided(List.of(a, b), "signups");
    client.statements(b, "", "CREATE CONSTRAINT unique_email UNIQUE signups (email)");

    int rounds = 10;
    for (int round = 0; round < rounds; round++) {
      String email = "user" + round + "@example.com";
      CountDownLatch go = new CountDownLatch(1);
      Map<String, JsonNode> outcomes = new ConcurrentHashMap<>();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (String url : List.of(a, b)) {
        Thread t = new Thread(() -> {
          try {
            go.await();
            outcomes.put(url, claim(url, "signups", "{\"email\":\"" + email + "\",\"via\":\"" + url + "\"}"));
          } catch (Throwable e) {
            failures.add(e);
          }
        });
        t.start();
        threads.add(t);
      }
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      assertThat(failures).isEmpty();
      assertThat(outcomes.values().stream().filter(o -> o.path("outcome").asText().equals("accepted")).count())
          .as("claims of %s through both instances: %s", email, outcomes).isEqualTo(1);
    }
    List<JsonNode> stream = events(a, "signups", 2);
    assertThat(stream).as("one accepted event per value").hasSize(rounds);
  }

  @Test
  void dropConstraintOnOneInstanceStopsClaimsOnAll() throws Exception {
    String cluster = TestKafka.newCluster("kcons");
    String a = instances.start(cluster, dir.resolve("a")).url;
    String b = instances.start(cluster, dir.resolve("b")).url;
    client.statements(a, "", "CREATE TABLE users KEY user_id PARTITIONS 2");
    client.awaitDivided(List.of(a, b), "users");
    client.statements(a, "", "CREATE CONSTRAINT unique_username UNIQUE users (username)");
    assertThat(claim(b, "users", "{\"user_id\":\"u1\",\"username\":\"alice\"}").path("outcome").asText()).isEqualTo("accepted");

    JsonNode dropped = client.statements(a, "", "DROP CONSTRAINT unique_username");
    assertThat(dropped.toString()).contains("\"dropped\":true");

    HttpResponse<String> straight = post(b, "/streams/users/events", "{\"user_id\":\"u2\",\"username\":\"alice\"}");
    assertThat(straight.statusCode()).as(straight.body()).isEqualTo(200);
    assertThat(straight.body()).as("appended to the stream itself, not claimed").doesNotContain("\"claim\"");
    HttpResponse<String> waiting = post(b, "/streams/users/events?wait=outcome", "{\"user_id\":\"u3\",\"username\":\"carol\"}");
    assertThat(waiting.statusCode()).as("wait=outcome without a constraint, through the other instance").isEqualTo(400);
    assertThat(client.statements(b, "", "SHOW CONSTRAINTS").toString()).doesNotContain("unique_username");
  }

  @Test
  void aDropUnderLoadDecidesEveryAcknowledgedClaimAndThenAppendsGoStraightToTheStream() throws Exception {
    String cluster = TestKafka.newCluster("kcons");
    String a = instances.start(cluster, dir.resolve("a")).url;
    String b = instances.start(cluster, dir.resolve("b")).url;
    client.statements(a, "", "CREATE STREAM signups KEY email PARTITIONS 2");
    client.statements(a, "", "CREATE CONSTRAINT unique_email UNIQUE signups (email)");
    client.awaitDivided(List.of(a, b), "unique_email_claims");

    AtomicBoolean loading = new AtomicBoolean(true);
    Map<String, String> claimed = new ConcurrentHashMap<>(); // acknowledged as claims: _id → email
    Map<String, String> straight = new ConcurrentHashMap<>(); // acknowledged as events of the stream
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Thread> writers = new ArrayList<>();
    for (String url : List.of(a, b)) {
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; loading.get(); i++) {
            String id = url.substring(url.lastIndexOf(':') + 1) + "-" + i;
            String body = "{\"_id\":\"" + id + "\",\"email\":\"" + id + "@example.com\"}";
            HttpResponse<String> r;
            while ((r = post(url, "/streams/signups/events", body)).statusCode() == 503) {
              Thread.sleep(20); // being dropped: send it again
            }
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            (r.body().contains("\"claim\"") ? claimed : straight).put(id, id + "@example.com");
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      t.start();
      writers.add(t);
    }
    ClusterClient.await("claims flow", () -> claimed.size() >= 40);
    assertThat(client.statements(a, "", "DROP CONSTRAINT unique_email").toString()).contains("\"dropped\":true");
    ClusterClient.await("appends flow straight to the stream through both instances", () -> straight.size() >= 40);
    loading.set(false);
    for (Thread t : writers) {
      t.join();
    }
    assertThat(failures).isEmpty();

    Map<String, Integer> decisions = new HashMap<>();
    ClusterClient.await(() -> "every acknowledged claim decided: " + decisions.size() + " of " + claimed.size(), () -> {
      try {
        decisions.clear();
        for (JsonNode d : events(b, "unique_email_decisions", 2)) {
          decisions.merge(d.path("claim").path("id").asText(), 1, Integer::sum);
        }
        return decisions.keySet().equals(claimed.keySet());
      } catch (Exception e) {
        return false;
      }
    });
    assertThat(decisions.values()).as("decisions per claim").allMatch(n -> n == 1);
    Map<String, Integer> inStream = new HashMap<>();
    for (JsonNode e : events(b, "signups", 2)) {
      inStream.merge(e.path("_id").asText(), 1, Integer::sum);
    }
    java.util.Set<String> all = new java.util.HashSet<>(claimed.keySet());
    all.addAll(straight.keySet());
    assertThat(inStream.keySet()).as("every accepted claim and every straight append").isEqualTo(all);
    assertThat(inStream.values()).as("events per _id").allMatch(n -> n == 1);
  }

  @Test
  void everyAcknowledgedClaimIsDecidedOnceWhenTheOwnerOfItsPartitionLeavesAndComesBackUnderLoad() throws Exception {
    String cluster = TestKafka.newCluster("kcons");
    String a = instances.start(cluster, dir.resolve("a")).url;
    InProcessInstance leaving = instances.start(cluster, dir.resolve("b"));
    String b = leaving.url;
    client.statements(a, "", "CREATE STREAM signups KEY email PARTITIONS 4");
    client.statements(a, "", "CREATE CONSTRAINT unique_email UNIQUE signups (email)");
    client.awaitDivided(List.of(a, b), "unique_email_claims");

    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean loading = new AtomicBoolean(true);
    Map<String, String> acknowledged = new ConcurrentHashMap<>(); // _id → email
    List<Thread> writers = load(List.of(a, b), loading, acknowledged, failures);
    ClusterClient.await("claims flow", () -> acknowledged.size() >= 60);
    instances.close(leaving);
    int atClose = acknowledged.size();
    ClusterClient.await("claims flow after b left", () -> acknowledged.size() >= atClose + 60);
    // b comes back with its state as it left it: it resumes its partitions from its own (old) checkpoints.
    String back = instances.start(cluster, dir.resolve("b")).url;
    client.awaitDivided(List.of(a, back), "unique_email_claims");
    int atReturn = acknowledged.size();
    ClusterClient.await("claims flow after b came back", () -> acknowledged.size() >= atReturn + 60);
    loading.set(false);
    for (Thread t : writers) {
      t.join();
    }
    assertThat(failures).isEmpty();
    assertDecidedOnce(a, acknowledged);
  }

  @Test
  void everyAcknowledgedClaimIsDecidedOnceWhenTheOwnerOfItsPartitionIsKilledAndRestarted() throws Exception {
    String cluster = TestKafka.newCluster("kcons");
    String a = instances.start(cluster, dir.resolve("a")).url;
    ChildInstance c = child(cluster, "c");
    client.statements(a, "", "CREATE STREAM signups KEY email PARTITIONS 4");
    client.statements(c.url(), "", "CREATE CONSTRAINT unique_email UNIQUE signups (email)");
    client.awaitDivided(List.of(a, c.url()), "unique_email_claims");

    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean loading = new AtomicBoolean(true);
    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    List<Thread> writers = load(List.of(c.url(), a), loading, acknowledged, failures);
    ClusterClient.await("claims flow", () -> acknowledged.size() >= 60);
    c.kill();
    int atKill = acknowledged.size();
    ClusterClient.await("claims flow after c was killed", () -> acknowledged.size() >= atKill + 60);
    // c restarts on the state the kill left: it resumes the partitions it gets from its own checkpoints.
    ChildInstance restarted = child(cluster, "c");
    client.awaitDivided(List.of(a, restarted.url()), "unique_email_claims");
    int atRestart = acknowledged.size();
    ClusterClient.await("claims flow after c restarted", () -> acknowledged.size() >= atRestart + 60);
    loading.set(false);
    for (Thread t : writers) {
      t.join();
    }
    assertThat(failures).isEmpty();
    assertDecidedOnce(a, acknowledged);
  }

  /** An instance in a child JVM, as a user starts it, to be killed with SIGKILL. */
  private ChildInstance child(String cluster, String name) throws Exception {
    ChildInstance child = ChildInstance.start(cluster, dir.resolve(name), Instances.SESSION_TIMEOUT);
    children.add(child);
    return child;
  }

  private final List<ChildInstance> children = new ArrayList<>();

  @AfterEach
  void killChildren() {
    children.forEach(ChildInstance::kill);
  }

  /**
   * Two writers claim values through {@code urls} (each value twice, so the second claim must be
   * rejected), resending each event with the same _id through the next instance until one
   * acknowledges it.
   */
  private List<Thread> load(List<String> urls, AtomicBoolean loading, Map<String, String> acknowledged, List<Throwable> failures) {
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int writer = w;
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; loading.get(); i++) {
            String id = "w" + writer + "-" + i;
            String email = "u" + (i / 2) + "@w" + writer;
            String body = "{\"_id\":\"" + id + "\",\"email\":\"" + email + "\"}";
            long start = System.nanoTime();
            long deadline = start + ClusterClient.WAIT.toNanos();
            List<String> attempts = new ArrayList<>(); // what each send got, for the failure's message
            for (int attempt = writer; ; attempt++) {
              String url = urls.get(attempt % urls.size());
              long sent = System.nanoTime();
              String answer;
              try {
                HttpResponse<String> r = post(url, "/streams/signups/events", body);
                if (r.statusCode() == 200) {
                  break;
                }
                answer = r.statusCode() + " " + r.body();
              } catch (java.io.IOException gone) {
                answer = gone.toString(); // that instance is gone: the next one takes the resend
              }
              attempts.add(String.format(java.util.Locale.ROOT, "at %d ms, %s answered after %d ms: %s",
                  (sent - start) / 1_000_000, url, (System.nanoTime() - sent) / 1_000_000, answer));
              assertThat(System.nanoTime()).as("claim %s acknowledged in time; its sends: %s", id, attempts).isLessThan(deadline);
              Thread.sleep(50);
            }
            acknowledged.put(id, email);
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      t.start();
      writers.add(t);
    }
    return writers;
  }

  /**
   * Every acknowledged claim has exactly one decision (read through {@code url}); the first claim
   * of each value is accepted, the second rejected; each accepted claim's event is in the stream once.
   */
  private void assertDecidedOnce(String url, Map<String, String> acknowledged) throws Exception {
    Map<String, Integer> decisionsPerClaim = new HashMap<>();
    Map<String, String> outcomeOfId = new HashMap<>();
    ClusterClient.await(() -> "every acknowledged claim decided: " + decisionsPerClaim.size() + " of " + acknowledged.size(), () -> {
      try {
        decisionsPerClaim.clear();
        outcomeOfId.clear();
        for (JsonNode d : events(url, "unique_email_decisions", 4)) {
          String claimId = d.path("claim").path("id").asText();
          decisionsPerClaim.merge(claimId, 1, Integer::sum);
          outcomeOfId.put(claimId, d.path("outcome").asText());
        }
        return decisionsPerClaim.keySet().containsAll(acknowledged.keySet());
      } catch (Exception e) {
        return false;
      }
    });
    assertThat(decisionsPerClaim.values()).as("decisions per claim").allMatch(n -> n == 1);
    Map<String, Integer> acceptedPerEmail = new HashMap<>();
    outcomeOfId.forEach((id, outcome) -> {
      if (outcome.equals("accepted")) {
        acceptedPerEmail.merge(acknowledged.get(id), 1, Integer::sum);
      }
    });
    assertThat(acceptedPerEmail.keySet()).as("every value claimed has one accepted claim")
        .isEqualTo(new java.util.HashSet<>(acknowledged.values()));
    assertThat(acceptedPerEmail.values()).as("accepted claims per value").allMatch(n -> n == 1);
    Map<String, Integer> inStream = new HashMap<>();
    for (JsonNode e : events(url, "signups", 4)) {
      inStream.merge(e.path("_id").asText(), 1, Integer::sum);
    }
    assertThat(inStream.values()).as("events per _id in the stream").allMatch(n -> n == 1);
    assertThat(inStream.keySet()).as("the accepted claims' events").isEqualTo(
        outcomeOfId.entrySet().stream().filter(e -> e.getValue().equals("accepted")).map(Map.Entry::getKey)
            .collect(java.util.stream.Collectors.toSet()));
  }
}
