package dev.sluice.server;

import dev.sluice.engine.ChangeFold;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * A subscriber as a browser's EventSource behaves: it reads a view's changes over HTTP, folds them,
 * and reconnects with {@code Last-Event-ID} after the stream ends or it drops the connection.
 */
final class SseSubscriber {
  private final HttpClient http;
  private final Supplier<String> url;
  private final String path;
  final ChangeFold fold = new ChangeFold(true);
  private volatile InputStream open;
  volatile long connects;

  SseSubscriber(HttpClient http, Supplier<String> url, String path) {
    this.http = http;
    this.url = url;
    this.path = path;
  }

  /**
   * Connects (resuming after the last id folded) and folds events until {@code stop} says so, the
   * server ends the stream, or the connection breaks; returns false when it could not connect.
   */
  boolean readUntil(Supplier<Boolean> stop) throws InterruptedException {
    String base = url.get();
    if (base == null) {
      return false;
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
    String resume;
    synchronized (fold) {
      fold.connectionLost();
      resume = fold.resumeId();
    }
    if (resume != null) {
      request.header("Last-Event-ID", resume);
    }
    try {
      HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        response.body().close();
        throw new AssertionError("subscribing answered " + response.statusCode());
      }
      connects++;
      open = response.body();
      BufferedReader reader = new BufferedReader(new InputStreamReader(open, StandardCharsets.UTF_8));
      String event = null;
      String data = null;
      String line;
      while (!stop.get() && (line = reader.readLine()) != null) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.isEmpty() && data != null) {
          if (event.equals("overflow") || event.equals("ended")) {
            return true;
          }
          synchronized (fold) {
            fold.apply(event, data);
          }
          event = null;
          data = null;
        }
      }
      return true;
    } catch (IOException broken) {
      return false; // the server went away or we dropped the connection: resume later
    } finally {
      disconnect();
    }
  }

  /** Drops the connection, as a client going offline does. */
  void disconnect() {
    InputStream in = open;
    open = null;
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
  }
}
