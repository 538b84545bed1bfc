package dev.sluice.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Events given as command-line arguments, each an object or an array of objects, gathered into
 * one JSON array so they are appended in one request. It remembers each event's argument so that
 * the server's "event 3" can be shown as the argument the user typed.
 */
final class JsonArguments {
  /** Numbers keep their text ({@code 1.10} stays {@code 1.10}); repeated members are refused. */
  private static final ObjectMapper EXACT = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
      .build();

  private final ArrayNode events = EXACT.createArrayNode();
  private final List<Integer> argumentOf = new ArrayList<>();

  JsonArguments(List<String> arguments) {
    for (int i = 0; i < arguments.size(); i++) {
      JsonNode node;
      try {
        node = EXACT.readTree(arguments.get(i));
      } catch (JsonProcessingException e) {
        throw new CliFailure("argument " + (i + 1) + " is not JSON: " + e.getOriginalMessage(), Main.USAGE);
      }
      if (node == null || node.isMissingNode()) {
        throw new CliFailure("argument " + (i + 1) + " is empty", Main.USAGE);
      }
      for (JsonNode event : node.isArray() ? node : List.of(node)) {
        events.add(event);
        argumentOf.add(i + 1);
      }
    }
  }

  byte[] body() {
    try {
      return EXACT.writeValueAsBytes(events);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The argument that held the given 1-based event, or 0 when there is no such event. */
  int argumentOf(int event) {
    return event >= 1 && event <= argumentOf.size() ? argumentOf.get(event - 1) : 0;
  }
}
