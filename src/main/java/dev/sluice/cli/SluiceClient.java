package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP API as the command line uses it; every failure becomes one line for the user.
 *
 * <p>It speaks HTTP/1.1 through {@link HttpURLConnection}, which keeps connections alive between
 * requests and costs a short command almost nothing to set up. ({@code java.net.http.HttpClient}
 * sets up TLS when it is built, whatever the address: half a second of every command's start.)
 */
final class SluiceClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final int CONNECT_TIMEOUT_MS = 5_000;

  static {
    // A POST on a kept-alive connection that the server has closed must fail, not be sent again:
    // sent twice, an append without _id would be appended twice.
    System.setProperty("sun.net.http.retryPost", "false");
  }

  /** A request to send: GET when {@code body} is null. */
  record Request(String path, byte[] body, String contentType) {}

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
  /** Sends {@link #sendAsync}'s requests, one at a time; made on first use. */
  private ExecutorService sender;

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
  }

  String url() {
    return base;
  }

  static String segment(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  JsonNode get(String path) {
    return expectOk(send(getRequest(path)));
  }

  /** A JSON answer and the value of one of its headers (null when absent): the cursor of paged reads. */
  record Page(JsonNode json, String header) {}

  Page getPage(String path, String header) {
    HttpURLConnection connection = open(getRequest(path));
    try {
      Answer answer = answerOf(connection);
      return new Page(expectOk(answer), connection.getHeaderField(header));
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /** Fails as a GET of {@code path} would, ignoring what it answers when it succeeds. */
  void probe(String path) {
    Answer answer = send(getRequest(path));
    if (!answer.ok()) {
      throw failure(answer);
    }
  }

  JsonNode post(String path, byte[] body, String contentType) {
    return expectOk(send(postRequest(path, body, contentType)));
  }

  Request getRequest(String path) {
    return new Request(path, null, null);
  }

  Request postRequest(String path, byte[] body, String contentType) {
    return new Request(path, body, contentType);
  }

  Answer send(Request request) {
    HttpURLConnection connection = open(request);
    try {
      return answerOf(connection);
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /** Sends on a thread of the client's, so that the caller can prepare the next request meanwhile. */
  CompletableFuture<Answer> sendAsync(Request request) {
    if (sender == null) {
      sender = Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, "sluice-cli-sender");
        t.setDaemon(true);
        return t;
      });
    }
    return CompletableFuture.supplyAsync(() -> send(request), sender);
  }

  Answer await(CompletableFuture<Answer> answer) {
    try {
      return answer.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof CliFailure failure ? failure : unreachable(e.getCause());
    }
  }

  /**
   * A GET whose body arrives as it is sent (reads, follows); a failure answer becomes a failure.
   * Closing the stream closes the connection: a follow never ends by itself.
   */
  InputStream stream(String path) {
    HttpURLConnection connection = open(getRequest(path));
    try {
      if (connection.getResponseCode() != 200) {
        throw failure(answerOf(connection));
      }
      return new FilterInputStream(connection.getInputStream()) {
        @Override
        public void close() {
          connection.disconnect();
        }
      };
    } catch (IOException e) {
      throw unreachable(e);
    }
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
    if (cause instanceof ConnectException || cause instanceof SocketTimeoutException) {
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

  /** Connects and sends the request; the answer is read from the connection returned. */
  private HttpURLConnection open(Request request) {
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create(base + request.path()).toURL().openConnection();
      connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
      connection.setUseCaches(false);
      connection.setRequestProperty("Accept", "*/*");
      if (request.body() != null) {
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setFixedLengthStreamingMode(request.body().length);
        connection.setRequestProperty("Content-Type", request.contentType());
        try (OutputStream out = connection.getOutputStream()) {
          out.write(request.body());
        }
      }
      return connection;
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /**
   * Reads the status and the whole body. Read to its end, the connection goes back to be used
   * again by the next request.
   */
  private static Answer answerOf(HttpURLConnection connection) throws IOException {
    int status = connection.getResponseCode();
    InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
    if (in == null) {
      return new Answer(status, new byte[0]);
    }
    try (in) {
      return new Answer(status, in.readAllBytes());
    }
  }
}
