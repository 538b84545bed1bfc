package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a subscriber holds after folding the events it received: a complete snapshot replaces
 * everything, each change replaces its key's row. A change whose old row is not the row held, or whose position is
 * not the next, means a change was lost or repeated; the fold fails there.
 */
public final class ChangeFold {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Map<String, JsonNode> rows = new TreeMap<>();
  /** A snapshot being received: it replaces the rows only once complete. */
  private Map<String, JsonNode> staged;
  private String version;
  private long position = -1;
  private boolean inSnapshot;
  private long changes;
  private long snapshots;
  private final boolean dense;

  /** {@code dense}: the subscriber sees every change (no key filter), so positions follow each other. */
  public ChangeFold(boolean dense) {
    this.dense = dense;
  }

  /** Applies one event by its SSE event name ({@code snapshot_begin}, {@code snapshot}, {@code snapshot_end}, {@code change}). */
  public void apply(String kind, String data) {
    JsonNode node = parse(data);
    switch (kind) {
      case "snapshot_begin" -> {
        staged = new TreeMap<>();
        inSnapshot = true;
        snapshots++;
      }
      case "snapshot" -> {
        check(inSnapshot, "a snapshot row outside a snapshot: " + data);
        staged.put(node.get("key").toString(), node.get("new"));
      }
      case "snapshot_end" -> {
        check(inSnapshot, "a snapshot's end without its beginning: " + data);
        rows = staged;
        staged = null;
        inSnapshot = false;
        version = node.get("version").asText();
        position = node.get("position").asLong();
      }
      case "change" -> {
        check(!inSnapshot, "a change inside a snapshot: " + data);
        long p = node.get("position").asLong();
        String v = node.get("version").asText();
        check(v.equals(version), "a change of version " + v + " after version " + version + " without a snapshot");
        check(p > position, "change " + p + " repeats or goes back (last " + position + ")");
        check(!dense || p == position + 1, "change " + p + " follows " + position + ": changes in between are missing");
        String key = node.get("key").toString();
        JsonNode held = rows.get(key);
        JsonNode old = node.get("old").isNull() ? null : node.get("old");
        check(Objects.equals(held, old), "change " + p + " of key " + key + " replaces " + old + " but the subscriber holds " + held);
        if (node.get("new").isNull()) {
          rows.remove(key);
        } else {
          rows.put(key, node.get("new"));
        }
        position = p;
        changes++;
      }
      default -> throw new AssertionError("unexpected event '" + kind + "': " + data);
    }
  }

  /** A fold that starts from an id rather than a snapshot: the subscriber asked for changes after it. */
  public ChangeFold startingAt(String id) {
    int colon = id.indexOf(':');
    version = id.substring(0, colon);
    position = Long.parseLong(id.substring(colon + 1));
    return this;
  }

  /** The connection broke: a snapshot half received is dropped, the rows before it stay. */
  public void connectionLost() {
    staged = null;
    inSnapshot = false;
  }

  /** Resumes a fold from where another connection left it (the same subscriber reconnecting). */
  public String resumeId() {
    return version == null ? null : version + ":" + position;
  }

  public Map<String, JsonNode> rows() {
    return rows;
  }

  public long changes() {
    return changes;
  }

  public long snapshots() {
    return snapshots;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new AssertionError(message);
    }
  }

  private static JsonNode parse(String data) {
    try {
      return JSON.readTree(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
