package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.EventLog;
import dev.sluice.log.embedded.EmbeddedLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A real server on a free port over a log, and a client that speaks to it the way users do. */
final class TestServer implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  final EventLog log;
  final SluiceServer server;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  record Answer(int status, String contentType, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    String errorCode() {
      return json().path("error").path("code").asText();
    }

    String errorMessage() {
      return json().path("error").path("message").asText();
    }
  }

  TestServer(EventLog log, Config config) {
    this(log, null, config);
  }

  /** A server of the log and the views of {@code engine}; the caller closes the engine. */
  TestServer(EventLog log, dev.sluice.engine.Engine engine, Config config) {
    this.log = log;
    this.server = SluiceServer.start(log, engine, config.withPort(0));
  }

  /** A server reporting in {@code metrics}; the caller closes the engine and the metrics. */
  TestServer(EventLog log, dev.sluice.engine.Engine engine, Config config, dev.sluice.metrics.SluiceMetrics metrics) {
    this.log = log;
    this.server = SluiceServer.start(log, engine, config.withPort(0), metrics);
  }

  /** The server as {@code sluice serve} runs it: over the embedded log in {@code dataDir}. */
  static TestServer onEmbeddedLog(Path dataDir, Config config) {
    return new TestServer(EmbeddedLog.open(dataDir, EmbeddedLog.Options.defaults()), config.withDataDir(dataDir));
  }

  String url() {
    return "http://127.0.0.1:" + server.port();
  }

  URI uri(String path) {
    return URI.create(url() + path);
  }

  Answer get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  Answer post(String path, String body) {
    return post(path, body, "application/json");
  }

  Answer post(String path, String body, String contentType) {
    return send(HttpRequest.newBuilder(uri(path))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build());
  }

  Answer exec(String statements) {
    Answer answer = post("/statements", statements, "text/plain");
    if (answer.status() != 200) {
      throw new AssertionError("statements failed: " + answer.body());
    }
    return answer;
  }

  Answer send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A GET sent over a bare socket, for targets that {@link URI} refuses to build. */
  Answer rawGet(String target) {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(response.substring(9, 12));
      String head = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
      String type = head.lines().filter(l -> l.startsWith("content-type:")).map(l -> l.substring(13).trim())
          .findFirst().orElse("");
      return new Answer(status, type, response.substring(response.indexOf("\r\n\r\n") + 4));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every end offset of every stream: equal before and after a request means it appended nothing. */
  String endOffsets() {
    return get("/streams").body();
  }

  @Override
  public void close() {
    server.stop();
    log.close();
  }
}
