package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.log.Event;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.EdgeCasesMode;
import org.junit.jupiter.api.Test;

class RecordJsonTest {
  private static final StreamSpec TABLE = new StreamSpec("t", StreamKind.TABLE, null, 1);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  static String line(Record record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RecordJson.write(record, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theEnvelopeComesFirstThenTheValueMembers() throws IOException {
    Record record = new Record(2, 9, "k\"1", "op-1", 1700000000000L, List.of("a", "b"), true,
        "{\"x\":1,\"y\":\"z\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(line(record)).isEqualTo("{\"_key\":\"k\\\"1\",\"_id\":\"op-1\",\"_time\":1700000000000,"
        + "\"_partition\":2,\"_offset\":9,\"_causes\":[\"a\",\"b\"],\"_delete\":true,\"x\":1,\"y\":\"z\"}\n");
  }

  @Test
  void anEmptyValueLeavesOnlyTheEnvelope() throws IOException {
    Record record = new Record(0, 0, "k", null, 5, List.of(), false, "{}".getBytes(StandardCharsets.UTF_8));

    assertThat(line(record)).isEqualTo("{\"_key\":\"k\",\"_id\":\"@0.0\",\"_time\":5,\"_partition\":0,\"_offset\":0}\n");
  }

  /** What goes in comes out: any event read from JSON and written as a record is the same JSON. */
  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  void anEventSurvivesTheRoundTrip(@ForAll("events") ObjectNode sent) throws IOException {
    byte[] body = TestServer.JSON.writeValueAsBytes(sent);
    Event event = EventJson.parse(new ByteArrayInputStream(body), EventJson.Format.JSON, TABLE,
        new EventJson.Limits(1 << 20, 10)).get(0);
    Record stored = new Record(0, 3, event.key(), event.id(), event.timeMs(), event.causes(), event.delete(), event.value());

    JsonNode read = TestServer.JSON.readTree(line(stored));

    ObjectNode expected = sent.deepCopy();
    expected.put("_partition", 0);
    expected.put("_offset", 3);
    if (expected.path("_causes").isEmpty()) {
      expected.remove("_causes");
    }
    if (!expected.path("_delete").asBoolean()) {
      expected.remove("_delete");
    }
    // Parsed from text like the answer, so that numbers compare by what they are, not how they were built.
    assertThat(read).isEqualTo(TestServer.JSON.readTree(TestServer.JSON.writeValueAsString(expected)));
  }

  @Provide
  Arbitrary<ObjectNode> events() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(12);
    Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
        text.map(NODES::textNode),
        Arbitraries.longs().map(NODES::numberNode),
        Arbitraries.doubles().map(NODES::numberNode),
        Arbitraries.of(true, false).map(NODES::booleanNode),
        Arbitraries.just(NODES.nullNode()));
    Arbitrary<JsonNode> values = scalars;
    for (int depth = 0; depth < 3; depth++) {
      Arbitrary<JsonNode> inner = values;
      values = Arbitraries.frequencyOf(
          net.jqwik.api.Tuple.of(3, scalars),
          net.jqwik.api.Tuple.of(1, inner.list().ofMaxSize(4).map(list -> NODES.arrayNode().addAll(list))),
          net.jqwik.api.Tuple.of(1, Arbitraries.maps(text, inner).ofMaxSize(4).map(RecordJsonTest::object)));
    }
    Arbitrary<ObjectNode> members = Arbitraries.maps(text.filter(n -> !n.startsWith("_")), values).ofMaxSize(6)
        .map(RecordJsonTest::object);
    return net.jqwik.api.Combinators.combine(members, text, text.filter(s -> !s.isEmpty() && !s.startsWith("@")),
            Arbitraries.longs(), text.filter(s -> !s.isEmpty()).list().ofMaxSize(3), Arbitraries.of(true, false))
        .as((value, key, id, time, causes, delete) -> {
          ObjectNode event = NODES.objectNode();
          event.put("_key", key);
          event.put("_id", id);
          event.put("_time", time);
          event.set("_causes", NODES.arrayNode().addAll(causes.stream().map(NODES::textNode).toList()));
          event.put("_delete", delete);
          event.setAll(value);
          return event;
        });
  }

  private static ObjectNode object(java.util.Map<String, JsonNode> members) {
    ObjectNode node = NODES.objectNode();
    members.forEach(node::set);
    return node;
  }
}
