package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.Engine;
import dev.sluice.log.embedded.EmbeddedLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** A server with views over a data folder, as {@code sluice serve} runs it, that a test can restart. */
final class ObservedServer implements AutoCloseable {
  private final Path data;
  private EmbeddedLog log;
  private Engine engine;
  private SluiceServer server;
  private volatile String url;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  ObservedServer(Path data) {
    this.data = data;
    start();
  }

  private void start() {
    log = EmbeddedLog.open(data.resolve("log"), EmbeddedLog.Options.defaults());
    engine = Engine.open(log, data.resolve("views"));
    server = SluiceServer.start(log, engine, Config.defaults().withPort(0).withDataDir(data));
    url = "http://127.0.0.1:" + server.port();
  }

  /** Stops everything, then starts again on the same data (on another port). */
  void restart() {
    stop();
    start();
  }

  private void stop() {
    url = null;
    server.stop();
    engine.close();
    log.close();
  }

  /** The server's address, or null while it restarts. */
  String url() {
    return url;
  }

  TestServer.Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new TestServer.Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  TestServer.Answer get(String path) {
    return send(HttpRequest.newBuilder(URI.create(url + path)).GET());
  }

  TestServer.Answer post(String path, String body) {
    TestServer.Answer answer = send(HttpRequest.newBuilder(URI.create(url + path))
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    if (answer.status() != 200) {
      throw new AssertionError("POST " + path + " answered " + answer.status() + ": " + answer.body());
    }
    return answer;
  }

  /**
   * The view's rows once it includes {@code token}, by the JSON of their {@code keyField} (the
   * view's GROUP BY field, so the same keys as its changes carry).
   */
  Map<String, JsonNode> rows(String view, String keyField, String token) {
    TestServer.Answer answer = get("/views/" + view + "/rows?limit=10000&timeout_ms=30000&after=" + token);
    if (answer.status() != 200) {
      throw new AssertionError("reading rows answered " + answer.status() + ": " + answer.body());
    }
    Map<String, JsonNode> rows = new TreeMap<>();
    answer.json().forEach(row -> rows.put(row.get(keyField).toString(), row));
    return rows;
  }

  @Override
  public void close() {
    stop();
  }
}
