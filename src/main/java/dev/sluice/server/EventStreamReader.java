package dev.sluice.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events: {@code id:}, {@code event:} and {@code data:} lines, a blank line ends one.
 * The command line reads a view's changes with it, and an instance of a cluster the part streams of the others.
 */
public final class EventStreamReader implements AutoCloseable {
  /** One event; {@code id} is null when the event carried none. */
  public record ServerEvent(String id, String name, String data) {}

  private final BufferedReader reader;

  public EventStreamReader(InputStream in) {
    this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
  }

  /** The next event, or null at the end of the stream. Comments (heartbeats) are skipped. */
  public ServerEvent next() throws IOException {
    String id = null;
    String name = "message";
    StringBuilder data = null;
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isEmpty()) {
        if (data != null) {
          return new ServerEvent(id, name, data.toString());
        }
        continue;
      }
      if (line.startsWith(":")) {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1).stripLeading();
      switch (field) {
        case "id" -> id = value;
        case "event" -> name = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> { }
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
