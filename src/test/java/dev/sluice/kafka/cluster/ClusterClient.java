package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** What the cluster tests ask the instances over HTTP. */
final class ClusterClient {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(60);
  private final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String url) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  /** The JSON answer to a GET that must succeed. */
  JsonNode json(String url) throws Exception {
    HttpResponse<String> r = get(url);
    assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** Runs statements through {@code url} ({@code query}: e.g. {@code ?after=T}, or empty); they must succeed. */
  JsonNode statements(String url, String query, String text) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/statements" + query))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(text)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** Appends NDJSON events to {@code stream} through {@code url}; returns the append's token. */
  String append(String url, String stream, String ndjson) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/streams/" + stream + "/events"))
        .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).path("token").asText();
  }

  static String enc(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    await(() -> what, condition);
  }

  /** Waits for {@code condition}; {@code what} (asked at the deadline) says what did not happen and how things stand. */
  static void await(java.util.function.Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("not within %d s: %s", WAIT.toSeconds(), what.get()).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** Waits until the instances agree on one division of the work in which each owns some of {@code stream}'s partitions. */
  void awaitDivided(List<String> urls, String stream) throws InterruptedException {
    await("the " + urls.size() + " instances divide the work", () -> {
      try {
        long generation = -2;
        for (String url : urls) {
          JsonNode cluster = JSON.readTree(get(url + "/status").body()).path("cluster");
          long g = cluster.path("generation").asLong();
          String topic = cluster.path("group").asText().replace("._instances", "." + stream);
          if (cluster.path("members").size() != urls.size() || cluster.path("owned").path(topic).isEmpty()
              || (generation != -2 && g != generation)) {
            return false;
          }
          generation = g;
        }
        return true;
      } catch (Exception e) {
        return false;
      }
    });
  }
}
