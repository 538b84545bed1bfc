package dev.sluice.kafka.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A declaration in the catalog topic: key {@code stream:<name>}, value the declaration as JSON
 * (docs/kafka.md "Catalog"). The key names the kind of declaration so that views and constraints
 * can share the topic later.
 */
final class CatalogEntry {
  static final String STREAM_PREFIX = "stream:";
  private static final ObjectMapper JSON = new ObjectMapper();

  private CatalogEntry() {}

  static byte[] key(StreamSpec spec) {
    return (STREAM_PREFIX + spec.name()).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] value(StreamSpec spec) {
    ObjectNode node = JSON.createObjectNode();
    node.put("name", spec.name());
    node.put("kind", spec.kind().name());
    node.put("key", spec.keyField());
    node.put("partitions", spec.partitions());
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The stream a catalog record declares; null for other kinds of records. */
  static StreamSpec stream(byte[] key, byte[] value) {
    if (key == null || value == null) {
      return null;
    }
    String k = new String(key, StandardCharsets.UTF_8);
    if (!k.startsWith(STREAM_PREFIX)) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(value);
      return new StreamSpec(
          node.path("name").asText(),
          StreamKind.valueOf(node.path("kind").asText()),
          node.path("key").isNull() ? null : node.path("key").asText(),
          node.path("partitions").asInt());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("the catalog record '" + k + "' is unreadable: " + e.getMessage(), e);
    }
  }
}
