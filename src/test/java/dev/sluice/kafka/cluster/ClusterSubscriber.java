package dev.sluice.kafka.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A client of a view's changes through some instance of a cluster, as an EventSource behaves: it
 * folds what it receives (a snapshot replaces its rows, a change replaces one row and must name as
 * its old row the one held) and reconnects with {@code Last-Event-ID}.
 */
final class ClusterSubscriber implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Object END = new Object();

  private final HttpClient http = HttpClient.newHttpClient();
  private final String path;
  final Map<String, JsonNode> rows = new TreeMap<>();
  private Map<String, JsonNode> staged;
  /** The kinds of events received on the current connection, in order. */
  final List<String> kinds = new ArrayList<>();
  String lastId;
  private InputStream open;
  private LinkedBlockingQueue<Object> frames = new LinkedBlockingQueue<>();

  ClusterSubscriber(String path) {
    this.path = path;
  }

  /** Connects through {@code url}, resuming after the last id received; returns the status (200 or the refusal's). */
  int connect(String url) throws Exception {
    close();
    kinds.clear();
    LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    frames = queue;
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30)).GET();
    if (lastId != null) {
      request.header("Last-Event-ID", lastId);
    }
    HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      response.body().close();
      return response.statusCode();
    }
    InputStream in = response.body();
    open = in;
    Thread.ofVirtual().start(() -> read(in, queue));
    return 200;
  }

  /** Connects through {@code url}, retrying refusals (503 while ownership moves) for up to {@code wait}. */
  void connectRetrying(String url, Duration wait) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    for (int status = connect(url); status != 200; status = connect(url)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("subscribing through " + url + " answered " + status);
      }
      Thread.sleep(200);
    }
  }

  private static void read(InputStream in, LinkedBlockingQueue<Object> frames) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String event = null;
      String id = null;
      String data = null;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.isEmpty() && event != null) {
          frames.add(new String[] {event, id, data});
          event = null;
          id = null;
          data = null;
        }
      }
    } catch (IOException dropped) {
      // closed by us or by the server
    }
    frames.add(END);
  }

  /**
   * Folds events until {@code done} holds for the rows (true) or the stream ends (false); fails
   * when neither happens within {@code wait}, or when a change does not follow from the rows held.
   */
  boolean foldUntil(Predicate<Map<String, JsonNode>> done, Duration wait) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    while (staged != null || !done.test(rows)) {
      Object frame = frames.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (frame == null) {
        throw new AssertionError("within " + wait.toSeconds() + " s the rows did not get there; they are " + rows + " after " + kinds);
      }
      if (frame == END) {
        return false;
      }
      String[] f = (String[]) frame;
      apply(f[0], f[1], f[2]);
    }
    return true;
  }

  private void apply(String kind, String id, String data) throws IOException {
    kinds.add(kind);
    if (id != null) {
      lastId = id;
    }
    JsonNode node = JSON.readTree(data);
    switch (kind) {
      case "snapshot_begin" -> staged = new TreeMap<>();
      case "snapshot" -> {
        check(staged != null, "a snapshot row outside a snapshot: " + data);
        staged.put(node.get("key").toString(), node.get("new"));
      }
      case "snapshot_end" -> {
        check(staged != null, "a snapshot's end without its beginning");
        rows.clear();
        rows.putAll(staged);
        staged = null;
      }
      case "change" -> {
        check(staged == null, "a change inside a snapshot: " + data);
        String key = node.get("key").toString();
        JsonNode old = node.get("old").isNull() ? null : node.get("old");
        check(Objects.equals(rows.get(key), old), "change of " + key + " replaces " + old + " but the subscriber holds " + rows.get(key));
        if (node.get("new").isNull()) {
          rows.remove(key);
        } else {
          rows.put(key, node.get("new"));
        }
      }
      case "overflow", "ended" -> { }
      default -> throw new AssertionError("unexpected event '" + kind + "': " + data);
    }
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }

  @Override
  public void close() {
    InputStream in = open;
    open = null;
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // gone already
      }
    }
  }
}
