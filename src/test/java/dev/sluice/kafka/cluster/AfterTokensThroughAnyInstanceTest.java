package dev.sluice.kafka.cluster;

import static dev.sluice.kafka.cluster.ClusterClient.enc;
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
 * Read-your-writes across a cluster: a read through one instance with the token of an append
 * acknowledged by another includes that append at once — rows (forwarded or gathered), an index
 * lookup, a search and an ad-hoc query — because the instance that answers waits for the token's
 * Kafka offsets.
 */
@Tag("kafka")
class AfterTokensThroughAnyInstanceTest {
  @TempDir Path dir;
  private final ClusterClient client = new ClusterClient();
  @RegisterExtension final Instances instances = new Instances();

  private String instance(String cluster, String name) throws Exception {
    return instances.start(cluster, dir.resolve(name)).url;
  }

  @Test
  void aReadWithTheTokenOfAnAppendThroughAnotherInstanceIncludesTheAppend() throws Exception {
    String cluster = TestKafka.newCluster("after");
    List<String> urls = List.of(instance(cluster, "a"), instance(cluster, "b"));
    client.statements(urls.get(0), "", "CREATE STREAM orders KEY customer PARTITIONS 4;"
        + " CREATE VIEW spend AS FROM orders |> AGGREGATE count(*) AS n GROUP BY customer;"
        + " CREATE VIEW everything AS FROM orders |> AGGREGATE count(*) AS n;"
        + " CREATE INDEX by_country ON orders (country);"
        + " CREATE SEARCH INDEX notes ON orders (note)");
    client.awaitDivided(urls, "orders");
    for (int round = 0; round < 8; round++) {
      String writer = urls.get(round % 2);
      String reader = urls.get((round + 1) % 2);
      String customer = "c" + round;
      String token = enc(client.append(writer, "orders", "{\"_id\":\"o" + round + "\",\"customer\":\"" + customer
          + "\",\"country\":\"FR\",\"note\":\"parcel word" + round + "\"}\n"));
      String after = "after=" + token + "&timeout_ms=20000";
      String what = "round " + round + " written through " + writer + ", read through " + reader;

      assertThat(client.json(reader + "/views/spend/rows/" + customer + "?" + after).path("n").asLong()).as(what).isEqualTo(1);
      assertThat(client.json(reader + "/views/spend/rows?limit=100&" + after)).as(what).hasSize(round + 1);
      assertThat(client.json(reader + "/views/everything/rows?" + after).get(0).path("n").asLong()).as(what).isEqualTo(round + 1);
      assertThat(client.json(reader + "/views/by_country/rows/FR?limit=100&" + after)).as(what).hasSize(round + 1);
      assertThat(client.json(reader + "/views/notes/search?q=word" + round + "&" + after).path("total").asLong()).as(what).isEqualTo(1);
      JsonNode query = client.statements(reader, "?" + after, "FROM orders |> WHERE customer = '" + customer + "'");
      assertThat(query.get(0).path("rows")).as(what).hasSize(1);
    }
  }
}
