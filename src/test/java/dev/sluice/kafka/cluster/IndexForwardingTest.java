package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.kafka.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index and a search index each run whole on one instance of a cluster; a lookup or a search
 * through any instance gets the owner's answer, forwarded by the others.
 */
@Tag("kafka")
class IndexForwardingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  @RegisterExtension final Instances instances = new Instances();

  private String instance(String cluster, String name) throws Exception {
    return instances.start(cluster, dir.resolve(name)).url;
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void lookupsAndSearchesThroughEitherInstanceGetTheOwnersAnswer() throws Exception {
    String cluster = TestKafka.newCluster("fwd");
    List<String> urls = List.of(instance(cluster, "a"), instance(cluster, "b"));
    HttpResponse<String> declared = http.send(HttpRequest.newBuilder(URI.create(urls.get(0) + "/statements"))
        .header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("CREATE STREAM orders KEY order_id PARTITIONS 4;"
            + " CREATE INDEX by_country ON orders (country);"
            + " CREATE SEARCH INDEX order_notes ON orders (note)"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(declared.statusCode()).as(declared.body()).isEqualTo(200);
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      events.append("{\"order_id\":\"o").append(i).append("\",\"country\":\"").append(i % 2 == 0 ? "FR" : "DE")
          .append("\",\"note\":\"").append(i % 5 == 0 ? "fragile parcel" : "plain box").append("\"}\n");
    }
    HttpResponse<String> appended = http.send(HttpRequest.newBuilder(URI.create(urls.get(1) + "/streams/orders/events"))
        .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(events.toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(appended.statusCode()).as(appended.body()).isEqualTo(200);

    Set<String> servedBy = new HashSet<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (String url : urls) {
      while (true) {
        HttpResponse<String> lookup = get(url + "/views/by_country/rows/FR?limit=100&timeout_ms=5000");
        HttpResponse<String> search = get(url + "/views/order_notes/search?q=fragile&timeout_ms=5000");
        if (lookup.statusCode() == 200 && search.statusCode() == 200
            && JSON.readTree(lookup.body()).size() == 10 && JSON.readTree(search.body()).path("total").asLong() == 4) {
          lookup.headers().firstValue("Sluice-Served-By").ifPresent(servedBy::add);
          search.headers().firstValue("Sluice-Served-By").ifPresent(servedBy::add);
          break;
        }
        assertThat(System.nanoTime()).as("through %s: lookup %d %s, search %d %s", url, lookup.statusCode(), lookup.body(),
            search.statusCode(), search.body()).isLessThan(deadline);
        Thread.sleep(200);
      }
    }
    assertThat(servedBy).as("answers forwarded to the instance that runs the index").isNotEmpty().isSubsetOf(new HashSet<>(urls));
  }
}
