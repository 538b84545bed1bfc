package dev.sluice.kafka.cluster;

import static dev.sluice.kafka.cluster.ClusterClient.enc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.kafka.TestKafka;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ad-hoc queries read the log, not the views' state, so every instance of a cluster answers them
 * in full: over history ({@code POST /statements}) and followed live ({@code GET /query?follow=true}).
 */
@Tag("kafka")
class QueriesThroughAnyInstanceTest {
  @TempDir Path dir;
  private final ClusterClient client = new ClusterClient();
  @RegisterExtension final Instances instances = new Instances();

  private String instance(String cluster, String name) throws Exception {
    return instances.start(cluster, dir.resolve(name)).url;
  }

  @Test
  void queriesThroughEitherInstanceGiveTheSameAnswerAndFollowersSeeAppendsThroughEither() throws Exception {
    String cluster = TestKafka.newCluster("queries");
    String a = instance(cluster, "a");
    String b = instance(cluster, "b");
    client.statements(a, "", "CREATE STREAM orders KEY customer PARTITIONS 4;"
        + " CREATE VIEW spend AS FROM orders |> AGGREGATE count(*) AS n GROUP BY customer");
    client.awaitDivided(List.of(a, b), "orders");

    List<Set<String>> followed = List.of(new ConcurrentSkipListSet<>(), new ConcurrentSkipListSet<>());
    List<InputStream> follows = List.of(follow(a, followed.get(0)), follow(b, followed.get(1)));
    try {
      StringBuilder first = new StringBuilder();
      StringBuilder second = new StringBuilder();
      Set<String> big = new TreeSet<>();
      for (int i = 0; i < 40; i++) {
        long amount = (i * 37) % 100;
        (i % 2 == 0 ? first : second).append("{\"_id\":\"o").append(i).append("\",\"customer\":\"c").append(i % 7)
            .append("\",\"amount\":").append(amount).append("}\n");
        if (amount > 50) {
          big.add("o" + i);
        }
      }
      String token = enc(client.append(a, "orders", first.toString())) + "," + enc(client.append(b, "orders", second.toString()));

      List<String> queries = List.of(
          "FROM orders |> WHERE amount > 50 |> SELECT _id AS id, customer, amount |> ORDER BY id",
          "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer |> ORDER BY customer",
          "FROM orders |> ORDER BY amount DESC, _id |> LIMIT 5");
      for (String query : queries) {
        JsonNode throughA = client.statements(a, "?after=" + token, query).get(0).path("rows");
        JsonNode throughB = client.statements(b, "?after=" + token, query).get(0).path("rows");
        assertThat(throughB).as(query).isEqualTo(throughA);
      }
      Set<String> found = new TreeSet<>();
      client.statements(b, "?after=" + token, queries.get(0)).get(0).path("rows").forEach(r -> found.add(r.path("id").asText()));
      assertThat(found).as("what the query found through b").isEqualTo(big);
      JsonNode groups = client.statements(a, "?after=" + token, queries.get(1)).get(0).path("rows");
      assertThat(groups).hasSize(7);
      long counted = 0;
      for (JsonNode g : groups) {
        counted += g.path("n").asLong();
      }
      assertThat(counted).as("every event counted once").isEqualTo(40);

      ClusterClient.await("both followers saw every big order " + big + ", appended through either instance; they saw " + followed,
          () -> followed.get(0).equals(big) && followed.get(1).equals(big));
    } finally {
      for (InputStream in : follows) {
        in.close();
      }
    }
  }

  /** Follows big orders through {@code url}, collecting their ids into {@code ids} on a thread of its own. */
  private static InputStream follow(String url, Set<String> ids) throws Exception {
    String q = enc("FROM orders |> WHERE amount > 50 |> SELECT _id AS id");
    HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/query?follow=true&q=" + q))
        .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      throw new AssertionError("following answered " + r.statusCode() + ": " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
    }
    BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
    // The stream's first line is the server's greeting: once it is read, the follow has started at the log's end.
    assertThat(reader.readLine()).startsWith(":");
    Thread.ofVirtual().start(() -> {
      try {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          if (line.startsWith("data: ")) {
            ids.add(ClusterClient.JSON.readTree(line.substring(6)).path("row").path("id").asText());
          }
        }
      } catch (java.io.IOException closed) {
        // the test closed it
      }
    });
    return r.body();
  }
}
