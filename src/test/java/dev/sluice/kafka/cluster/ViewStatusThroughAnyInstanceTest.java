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
 * Every instance of a cluster shows every view whole: {@code GET /views}, {@code GET /views/{v}}
 * and dead letters combine the figures of the instances that run the view's rows.
 */
@Tag("kafka")
class ViewStatusThroughAnyInstanceTest {
  @TempDir Path dir;
  private final ClusterClient client = new ClusterClient();
  @RegisterExtension final Instances instances = new Instances();

  private String instance(String cluster, String name) throws Exception {
    return instances.start(cluster, dir.resolve(name)).url;
  }

  private static JsonNode named(JsonNode views, String name) {
    for (JsonNode v : views) {
      if (v.path("name").asText().equals(name)) {
        return v;
      }
    }
    throw new AssertionError("no view " + name + " in " + views);
  }

  @Test
  void everyInstanceShowsEachViewsRowsDeadLettersAndLagGatheredFromItsOwners() throws Exception {
    String cluster = TestKafka.newCluster("status");
    List<String> urls = List.of(instance(cluster, "a"), instance(cluster, "b"));
    client.statements(urls.get(0), "", "CREATE STREAM orders KEY customer PARTITIONS 4;"
        + " CREATE VIEW spend AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer;"
        + " CREATE VIEW everything AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total");
    client.awaitDivided(urls, "orders");
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      events.append("{\"customer\":\"c").append(i % 10).append("\",\"amount\":1}\n");
    }
    for (int i = 0; i < 6; i++) {
      events.append("{\"customer\":\"c").append(i).append("\",\"amount\":\"a lot\"}\n");
    }
    client.append(urls.get(1), "orders", events.toString());

    for (String url : urls) {
      ClusterClient.await("views through " + url + " show every owner's rows and dead letters", () -> {
        try {
          JsonNode views = client.json(url + "/views");
          JsonNode spend = named(views, "spend");
          JsonNode everything = named(views, "everything");
          return spend.path("rows").asLong() == 10 && spend.path("dead_letters").asLong() == 6
              && spend.path("lag").path("events").asLong() == 0 && spend.path("state").asText().equals("live")
              && everything.path("rows").asLong() == 1 && everything.path("dead_letters").asLong() == 6;
        } catch (Exception e) {
          return false;
        }
      });
      JsonNode views = client.json(url + "/views");
      assertThat(named(views, "spend").path("served_by")).as("a divided view's figures come from both owners").hasSize(2);
      assertThat(named(views, "spend").path("placement").asText()).isEqualTo("divided");
      assertThat(named(views, "everything").path("served_by")).as("a whole view's from its one owner").hasSize(1);
      JsonNode one = client.json(url + "/views/spend");
      assertThat(one.path("rows").asLong()).isEqualTo(10);
      assertThat(one.path("dead_letters").asLong()).isEqualTo(6);

      JsonNode letters = client.json(url + "/views/spend/dead_letters");
      assertThat(letters).as("dead letters of the divided view through %s", url).hasSize(6);
      for (JsonNode letter : letters) {
        assertThat(letter.path("reason").asText()).contains("sum");
        assertThat(urls).contains(letter.path("instance").asText());
      }
      assertThat(client.json(url + "/views/everything/dead_letters")).as("through %s", url).hasSize(6);
    }
  }
}
