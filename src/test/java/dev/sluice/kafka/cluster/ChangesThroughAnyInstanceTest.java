package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.kafka.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view's changes through any instance of a cluster: the instance merges the streams of the
 * instances that own the view's rows, its ids resume exactly through any instance while the work
 * stays divided the same way, and after a handover the resume starts with a snapshot that holds
 * everything acknowledged.
 */
@Tag("kafka")
class ChangesThroughAnyInstanceTest {
  private static final Duration WAIT = ClusterClient.WAIT;

  @TempDir Path dir;
  private final ClusterClient client = new ClusterClient();
  @RegisterExtension final Instances instances = new Instances();
  /** Acknowledged events per customer: what the view's rows must count. */
  private final Map<String, Long> expected = new TreeMap<>();
  private int appended;

  private InProcessInstance instance(String cluster, String name) throws Exception {
    return instances.start(cluster, dir.resolve(name));
  }

  /** Appends {@code n} events over six customers through {@code url}; returns the append's token. */
  private String append(String url, int n) throws Exception {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < n; i++, appended++) {
      String customer = "c" + (appended % 6);
      body.append("{\"_id\":\"e").append(appended).append("\",\"customer\":\"").append(customer).append("\",\"amount\":1}\n");
      expected.merge(customer, 1L, Long::sum);
    }
    return client.append(url, "orders", body.toString());
  }

  /** The rows hold exactly the acknowledged counts (keys as the changes carry them: JSON). */
  private Predicate<Map<String, JsonNode>> countsAcknowledged() {
    return rows -> {
      Map<String, Long> counts = new TreeMap<>();
      rows.forEach((key, row) -> counts.put(row.path("customer").asText(), row.path("n").asLong()));
      return counts.equals(expected);
    };
  }

  @Test
  void changesThroughEitherInstanceAreTheOwnersChangesMergedAndResumeExactlyThroughTheOther() throws Exception {
    String cluster = TestKafka.newCluster("changes");
    String a = instance(cluster, "a").url;
    String b = instance(cluster, "b").url;
    client.statements(a, "", "CREATE STREAM orders KEY customer PARTITIONS 4;"
        + " CREATE VIEW spend AS FROM orders |> AGGREGATE count(*) AS n GROUP BY customer;"
        + " CREATE VIEW everything AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total");
    client.awaitDivided(List.of(a, b), "orders");
    String token = append(b, 30);

    try (ClusterSubscriber subscriber = new ClusterSubscriber("/views/spend/changes?after="
        + ClusterClient.enc(token) + "&timeout_ms=20000")) {
      subscriber.connectRetrying(a, WAIT);
      assertThat(subscriber.foldUntil(countsAcknowledged(), WAIT)).as("the stream stays open").isTrue();
      assertThat(subscriber.kinds).as("it starts with one snapshot of every owner's rows").startsWith("snapshot_begin")
          .containsOnlyOnce("snapshot_begin", "snapshot_end");
      assertThat(subscriber.kinds.indexOf("snapshot_end")).as("the snapshot held every acknowledged event")
          .isEqualTo(subscriber.kinds.size() - 1);

      append(a, 12);
      append(b, 12);
      assertThat(subscriber.foldUntil(countsAcknowledged(), WAIT)).isTrue();
      assertThat(subscriber.kinds).as("then the changes of both owners' partitions").contains("change");

      subscriber.close();
      append(a, 18);
      subscriber.connectRetrying(b, WAIT);
      assertThat(subscriber.foldUntil(countsAcknowledged(), WAIT)).isTrue();
      assertThat(subscriber.kinds).as("resumed through the other instance: only what was missed, no snapshot")
          .isNotEmpty().doesNotContain("snapshot_begin").containsOnly("change");
    }

    try (ClusterSubscriber stranger = new ClusterSubscriber("/views/spend/changes?from=3:12")) {
      assertThat(stranger.connect(a)).as("a position of one instance's changelog is no resume id of the cluster").isEqualTo(400);
    }

    try (ClusterSubscriber whole = new ClusterSubscriber("/views/everything/changes")) {
      whole.connectRetrying(b, WAIT);
      long total = expected.values().stream().mapToLong(Long::longValue).sum();
      assertThat(whole.foldUntil(rows -> rows.size() == 1 && rows.values().iterator().next().path("n").asLong() == total, WAIT))
          .as("a whole view's changes come from its one owner through either instance").isTrue();
      whole.close();
      append(b, 6);
      whole.connectRetrying(a, WAIT);
      assertThat(whole.foldUntil(rows -> rows.values().iterator().next().path("n").asLong() == total + 6, WAIT)).isTrue();
      assertThat(whole.kinds).doesNotContain("snapshot_begin").contains("change");
    }
  }

  @Test
  void aSubscriberThatReconnectsAfterAHandoverGetsASnapshotWithEverythingAcknowledged() throws Exception {
    String cluster = TestKafka.newCluster("handover");
    String a = instance(cluster, "a").url;
    InProcessInstance b = instance(cluster, "b");
    client.statements(a, "", "CREATE STREAM orders KEY customer PARTITIONS 4;"
        + " CREATE VIEW spend AS FROM orders |> AGGREGATE count(*) AS n GROUP BY customer");
    client.awaitDivided(List.of(a, b.url), "orders");
    append(a, 24);

    try (ClusterSubscriber subscriber = new ClusterSubscriber("/views/spend/changes?timeout_ms=20000")) {
      subscriber.connectRetrying(a, WAIT);
      assertThat(subscriber.foldUntil(countsAcknowledged(), WAIT)).isTrue();

      instances.close(b); // leaves the group: its partitions move to a, and the stream through a ends
      assertThat(subscriber.foldUntil(rows -> false, WAIT)).as("the stream ends at the handover").isFalse();
      append(a, 12);
      client.awaitDivided(List.of(a), "orders");
      subscriber.connectRetrying(a, WAIT);
      assertThat(subscriber.foldUntil(countsAcknowledged(), WAIT)).isTrue();
      assertThat(subscriber.kinds).as("the resume starts over with a snapshot of the new division").startsWith("snapshot_begin");

      append(a, 6);
      assertThat(subscriber.foldUntil(countsAcknowledged(), WAIT)).isTrue();
      assertThat(subscriber.kinds).contains("change");
    }
  }
}
