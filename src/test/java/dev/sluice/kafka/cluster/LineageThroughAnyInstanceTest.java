package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.kafka.TestKafka;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** An event's lineage through any instance names what every view did with it, whichever instance runs the view. */
@Tag("kafka")
class LineageThroughAnyInstanceTest {
  @TempDir Path dir;
  private final ClusterClient client = new ClusterClient();
  @RegisterExtension final Instances instances = new Instances();

  private String instance(String cluster, String name) throws Exception {
    return instances.start(cluster, dir.resolve(name)).url;
  }

  /** The views the lineage names, in order, as {@code view=key…}. */
  private static List<String> effects(JsonNode lineage) {
    List<String> out = new ArrayList<>();
    for (JsonNode v : lineage.path("views")) {
      out.add(v.path("view").asText() + (v.path("applied").asBoolean() ? "=" + v.path("keys") : " (not applied)"));
    }
    return out;
  }

  @Test
  void theLineageOfAnEventThroughEitherInstanceNamesEveryViewsRowsOnce() throws Exception {
    String cluster = TestKafka.newCluster("lineage");
    List<String> urls = List.of(instance(cluster, "a"), instance(cluster, "b"));
    client.statements(urls.get(0), "", "CREATE STREAM orders KEY customer PARTITIONS 4;"
        + " CREATE VIEW spend AS FROM orders |> AGGREGATE count(*) AS n GROUP BY customer;"
        + " CREATE VIEW everything AS FROM orders |> AGGREGATE count(*) AS n");
    client.awaitDivided(urls, "orders");
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      events.append("{\"_id\":\"o").append(i).append("\",\"customer\":\"c").append(i).append("\"}\n");
    }
    String token = client.append(urls.get(0), "orders", events.toString());
    for (String url : urls) {
      client.json(url + "/views/spend/rows?limit=100&after=" + ClusterClient.enc(token) + "&timeout_ms=20000");
      client.json(url + "/views/everything/rows?after=" + ClusterClient.enc(token) + "&timeout_ms=20000");
    }
    for (String url : urls) {
      for (int i = 0; i < 8; i++) {
        List<String> expected = List.of("everything=[[]]", "spend=[\"c" + i + "\"]");
        String path = url + "/lineage/orders/o" + i;
        String[] last = {""};
        ClusterClient.await(() -> "the lineage through " + path + " names both views once: " + expected + "; it is " + last[0], () -> {
          try {
            JsonNode lineage = client.json(path);
            last[0] = lineage.toString();
            return effects(lineage).equals(expected);
          } catch (Exception | AssertionError e) {
            last[0] = e.getMessage();
            return false;
          }
        });
      }
    }
  }
}
