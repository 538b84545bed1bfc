package dev.sluice.constraints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.log.Event;
import dev.sluice.log.Record;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the claims log holds (docs/constraints.md): an event a client appended to a constrained
 * stream, wrapped whole — envelope and value — and keyed by its constrained value so that all
 * claims of one value meet in one partition; or a release of the values a table row held.
 *
 * <pre>
 *   claim   := {"k": row key, "i": client id | null, "t": time ms | null, "c": [causes], "d": delete,
 *               "v": the value object, "u": the constrained value as JSON text | null}
 *   release := {"release": row key, "except": value text | null}
 * </pre>
 */
record Claim(String rowKey, String clientId, Long timeMs, List<String> causes, boolean delete, JsonNode value,
    String valueText) {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A release of every value {@code rowKey} holds but {@code except} (null: all of them). */
  record Release(String rowKey, String except) {}

  static Claim of(Event event, Constraint constraint) {
    JsonNode value = parse(event.value());
    return new Claim(event.key(), event.id(), event.timeMs(), event.causes(), event.delete(), value,
        event.delete() ? null : valueText(value, constraint.fields()));
  }

  /**
   * The constrained value as canonical JSON text — the value of one field, an array of several —
   * or null when any field is missing or null: like SQL's UNIQUE, NULLs never conflict.
   */
  static String valueText(JsonNode value, List<String> fields) {
    List<JsonNode> parts = new ArrayList<>();
    for (String field : fields) {
      JsonNode node = value;
      for (String step : field.split("\\.")) {
        node = node.path(step);
      }
      if (node.isMissingNode() || node.isNull()) {
        return null;
      }
      parts.add(node.isNumber() ? JSON.getNodeFactory().numberNode(node.decimalValue().stripTrailingZeros()) : node);
    }
    if (parts.size() == 1) {
      return parts.get(0).toString();
    }
    ArrayNode array = JSON.createArrayNode();
    parts.forEach(array::add);
    return array.toString();
  }

  /** The claims-log event: keyed by the value (a delete or a NULL value by the row key). */
  Event toEvent() {
    ObjectNode node = JSON.createObjectNode();
    node.put("k", rowKey);
    node.put("i", clientId);
    if (timeMs != null) {
      node.put("t", timeMs);
    } else {
      node.putNull("t");
    }
    ArrayNode c = node.putArray("c");
    causes.forEach(c::add);
    node.put("d", delete);
    node.set("v", value);
    node.put("u", valueText);
    return new Event(valueText == null ? rowKey : valueText, clientId, null, List.of(), false, bytes(node));
  }

  /**
   * The event appended to the constrained stream when the claim is accepted; without a time of its
   * own it takes the claim's, so a replay appends the same event.
   */
  Event accepted(String id, long claimTimeMs) {
    return new Event(rowKey, id, timeMs == null ? claimTimeMs : timeMs, causes, delete,
        delete ? "{}".getBytes(StandardCharsets.UTF_8) : bytes(value));
  }

  static Event release(Release release, String id, String routingKey) {
    ObjectNode node = JSON.createObjectNode();
    node.put("release", release.rowKey());
    node.put("except", release.except());
    return new Event(routingKey, id, null, List.of(), false, bytes(node));
  }

  /** A claims-log record: a {@link Claim} or a {@link Release}. */
  static Object read(Record record) {
    JsonNode node = parse(record.value());
    if (node.has("release")) {
      return new Release(node.get("release").asText(), node.get("except").isNull() ? null : node.get("except").asText());
    }
    List<String> causes = new ArrayList<>();
    node.path("c").forEach(c -> causes.add(c.asText()));
    return new Claim(node.get("k").asText(), node.get("i").isNull() ? null : node.get("i").asText(),
        node.get("t").isNull() ? null : node.get("t").asLong(), causes, node.get("d").asBoolean(), node.get("v"),
        node.get("u").isNull() ? null : node.get("u").asText());
  }

  static JsonNode parse(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("a claim is not JSON: " + e.getMessage(), e);
    }
  }

  static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
