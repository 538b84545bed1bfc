package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The HTTP API as the command line uses it; every failure becomes one line for the user. */
final class SluiceClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** A response as received; {@link #error()} is the server's error object, if it sent one. */
  record Answer(int status, byte[] body) {
    boolean ok() {
      return status == 200;
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new CliFailure("the server's answer is not JSON: " + new String(body, StandardCharsets.UTF_8));
      }
    }

    JsonNode error() {
      try {
        JsonNode error = JSON.readTree(body).path("error");
        return error.isObject() ? error : null;
      } catch (IOException e) {
        return null;
      }
    }
  }

  private final String base;
  private final HttpClient http;

  SluiceClient(String url) {
    String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    try {
      URI uri = new URI(trimmed);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new CliFailure("--url must be an http:// address, got '" + url + "'", Main.USAGE);
      }
    } catch (URISyntaxException e) {
      throw new CliFailure("--url is not a valid address: '" + url + "'", Main.USAGE);
    }
    this.base = trimmed;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();
  }

  String url() {
    return base;
  }

  static String segment(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  JsonNode get(String path) {
    return expectOk(send(request(path).GET().build()));
  }

  /** A JSON answer and the value of one of its headers (null when absent): the cursor of paged reads. */
  record Page(JsonNode json, String header) {}

  Page getPage(String path, String header) {
    HttpResponse<byte[]> response;
    try {
      response = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure("interrupted");
    }
    JsonNode json = expectOk(new Answer(response.statusCode(), response.body()));
    return new Page(json, response.headers().firstValue(header).orElse(null));
  }

  /** Fails as a GET of {@code path} would, ignoring what it answers when it succeeds. */
  void probe(String path) {
    Answer answer = send(request(path).GET().build());
    if (!answer.ok()) {
      throw failure(answer);
    }
  }

  JsonNode post(String path, byte[] body, String contentType) {
    return expectOk(send(postRequest(path, body, contentType)));
  }

  HttpRequest postRequest(String path, byte[] body, String contentType) {
    return request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  Answer send(HttpRequest request) {
    return await(sendAsync(request));
  }

  CompletableFuture<Answer> sendAsync(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(response -> new Answer(response.statusCode(), response.body()));
  }

  Answer await(CompletableFuture<Answer> answer) {
    try {
      return answer.join();
    } catch (CompletionException e) {
      throw unreachable(e.getCause());
    }
  }

  /** A GET whose body arrives as it is sent (reads, follows); a failure answer becomes a failure. */
  InputStream stream(String path) {
    HttpResponse<InputStream> response;
    try {
      response = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure("interrupted");
    }
    if (response.statusCode() != 200) {
      try (InputStream body = response.body()) {
        throw failure(new Answer(response.statusCode(), body.readAllBytes()));
      } catch (IOException e) {
        throw unreachable(e);
      }
    }
    return response.body();
  }

  CliFailure failure(Answer answer) {
    JsonNode error = answer.error();
    if (error != null) {
      return new CliFailure(error.path("message").asText());
    }
    String text = new String(answer.body(), StandardCharsets.UTF_8).strip().lines().findFirst().orElse("");
    return new CliFailure(base + " answered HTTP " + answer.status() + (text.isEmpty() ? "" : ": " + text));
  }

  CliFailure unreachable(Throwable cause) {
    if (cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException) {
      return new CliFailure("cannot reach Sluice at " + base + " — is 'sluice serve' running?");
    }
    return new CliFailure("lost the connection to Sluice at " + base + ": " + cause);
  }

  private JsonNode expectOk(Answer answer) {
    if (!answer.ok()) {
      throw failure(answer);
    }
    return answer.json();
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path));
  }
}
