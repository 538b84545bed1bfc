package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.kafka.TestKafka;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A divided view's {@code rows} in {@code GET /views} is the sum of what each instance counts of
 * the partitions it owns now: after a handover, the rows an instance keeps of partitions it gave
 * away (stale, until it owns them again) are not counted, so the sum equals a scan's rows.
 */
@Tag("kafka")
class RowsAfterHandoverTest {
  private static final int CUSTOMERS = 40;
  @TempDir Path dir;
  private final ClusterClient client = new ClusterClient();
  @RegisterExtension final Instances instances = new Instances();

  private static long rows(JsonNode views, String name) {
    for (JsonNode v : views) {
      if (v.path("name").asText().equals(name)) {
        return v.path("rows").asLong();
      }
    }
    throw new AssertionError("no view " + name + " in " + views);
  }

  private long scanned(String url) throws Exception {
    return client.json(url + "/views/spend/rows?limit=10000").size();
  }

  @Test
  void theRowsOfADividedViewSumToAScansRowsAfterAnInstanceJoinsAndTakesPartitionsOver() throws Exception {
    String cluster = TestKafka.newCluster("rows");
    String a = instances.start(cluster, dir.resolve("a")).url;
    String b = instances.start(cluster, dir.resolve("b")).url;
    client.statements(a, "", "CREATE STREAM orders KEY customer PARTITIONS 4;"
        + " CREATE VIEW spend AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer");
    client.awaitDivided(List.of(a, b), "orders");
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < 3 * CUSTOMERS; i++) {
      events.append("{\"customer\":\"c").append(i % CUSTOMERS).append("\",\"amount\":1}\n");
    }
    client.append(a, "orders", events.toString());
    ClusterClient.await("both instances count every customer's row", () -> {
      try {
        return rows(client.json(a + "/views"), "spend") == CUSTOMERS;
      } catch (Exception e) {
        return false;
      }
    });

    // A third instance joins: some of a's and b's partitions move to it, while a and b keep the
    // rows of those partitions in their state.
    String c = instances.start(cluster, dir.resolve("c")).url;
    List<String> all = List.of(a, b, c);
    client.awaitDivided(all, "orders");
    StringBuilder more = new StringBuilder();
    for (int i = 0; i < CUSTOMERS / 2; i++) {
      more.append("{\"customer\":\"d").append(i).append("\",\"amount\":2}\n");
    }
    client.append(b, "orders", more.toString());
    int expected = CUSTOMERS + CUSTOMERS / 2;
    for (String url : all) {
      ClusterClient.await(() -> "a scan through " + url + " gathers every row", () -> {
        try {
          return scanned(url) == expected;
        } catch (Exception e) {
          return false;
        }
      });
    }
    for (String url : all) {
      long[] seen = {-1};
      ClusterClient.await(() -> "GET /views through " + url + " sums to the scan's " + expected + " rows; it said " + seen[0], () -> {
        try {
          seen[0] = rows(client.json(url + "/views"), "spend");
          return seen[0] == expected;
        } catch (Exception e) {
          return false;
        }
      });
      assertThat(rows(client.json(url + "/views"), "spend")).as("rows through %s", url).isEqualTo(scanned(url));
    }
  }
}
