package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventJsonTest {
  private static final StreamSpec ORDERS = new StreamSpec("orders", StreamKind.STREAM, "order_id", 4);
  private static final EventJson.Limits LIMITS = new EventJson.Limits(1 << 20, 3);

  static List<Event> parse(String body, EventJson.Format format) {
    try {
      return EventJson.parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), format, ORDERS, LIMITS);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static String value(Event event) {
    return new String(event.value(), StandardCharsets.UTF_8);
  }

  @Test
  void anObjectAnArrayAndNdjsonGiveTheSameEvents() {
    String a = "{\"order_id\":\"a\",\"n\":1}";
    String b = "{ \"order_id\" : \"b\" ,\n \"n\" : 2 }";

    List<Event> fromArray = parse("[" + a + "," + b + "]", EventJson.Format.JSON);
    List<Event> fromLines = parse(a + "\n" + b + "\n", EventJson.Format.NDJSON);
    List<Event> fromObjects = parse(a + b, EventJson.Format.JSON);

    for (List<Event> events : List.of(fromArray, fromLines, fromObjects)) {
      assertThat(events).extracting(Event::key).containsExactly("a", "b");
      assertThat(events).extracting(EventJsonTest::value)
          .containsExactly("{\"order_id\":\"a\",\"n\":1}", "{\"order_id\":\"b\",\"n\":2}");
    }
    assertThat(parse(a, EventJson.Format.JSON)).hasSize(1);
  }

  @Test
  void theEnvelopeIsTakenOutOfTheValue() {
    Event event = parse("{\"_key\":42,\"_id\":\"op\",\"order_id\":\"x\",\"_causes\":[\"c1\",\"c2\"],\"v\":[1,{\"w\":null}]}",
        EventJson.Format.JSON).get(0);

    assertThat(event.key()).isEqualTo("42");
    assertThat(event.id()).isEqualTo("op");
    assertThat(event.causes()).containsExactly("c1", "c2");
    assertThat(event.delete()).isFalse();
    assertThat(value(event)).isEqualTo("{\"order_id\":\"x\",\"v\":[1,{\"w\":null}]}");
  }

  @Test
  void aNumericKeyFieldBecomesItsTextAsWritten() {
    assertThat(parse("{\"order_id\":1.50}", EventJson.Format.JSON).get(0).key()).isEqualTo("1.50");
    assertThat(parse("{\"order_id\":-7}", EventJson.Format.JSON).get(0).key()).isEqualTo("-7");
  }

  @Test
  void timeIsEpochMillisecondsOrIso8601() {
    String events = "{\"order_id\":1,\"_time\":1700000000123}\n"
        + "{\"order_id\":1,\"_time\":1.7E12}\n"
        + "{\"order_id\":1,\"_time\":\"2023-11-14T22:13:20.123Z\"}";
    assertThat(parse(events, EventJson.Format.NDJSON)).extracting(Event::timeMs)
        .containsExactly(1700000000123L, 1700000000000L, 1700000000123L);
    String zoned = "{\"order_id\":1,\"_time\":\"2024-01-01T02:00:00+02:00\"}\n"
        + "{\"order_id\":1,\"_time\":\"2024-01-01T00:00:00\"}\n"
        + "{\"order_id\":1,\"_time\":\"2024-01-01\"}";
    assertThat(parse(zoned, EventJson.Format.NDJSON)).extracting(Event::timeMs)
        .containsOnly(1704067200000L);
  }

  @Test
  void stringsWithEscapesAndUnicodeSurviveTheCopy() {
    Event event = parse("{\"order_id\":\"ü\",\"s\":\"tab\\tquote\\\"\\u00e9 \uD83D\uDE00\"}", EventJson.Format.JSON).get(0);

    assertThat(event.key()).isEqualTo("ü");
    assertThat(value(event)).isEqualTo("{\"order_id\":\"ü\",\"s\":\"tab\\tquote\\\"é \uD83D\uDE00\"}");
  }

  @Test
  void moreEventsThanTheLimitAreOneRequestTooMany() {
    assertThatThrownBy(() -> parse("{\"order_id\":1}".repeat(4), EventJson.Format.JSON))
        .isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.REQUEST_TOO_LARGE));
  }

  @Test
  void aMalformedBodyIsPlacedByLineAndColumn() {
    assertThatThrownBy(() -> parse("{\"order_id\":1}\n{\"order_id\":tru}", EventJson.Format.NDJSON))
        .isInstanceOfSatisfying(InputError.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON);
          assertThat(e.event()).isEqualTo(2);
          assertThat(e.line()).isEqualTo(2);
          assertThat(e.column()).isEqualTo(13);
        });
  }

  @Test
  void aMemberTwiceInOneObjectIsMalformedAtAnyDepthButTheSameNameInSiblingObjectsIsNot() {
    String many = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "\"m" + i + "\":" + i).collect(java.util.stream.Collectors.joining(","));
    for (String body : List.of(
        "{\"order_id\":1,\"order_id\":2}",
        "{\"_key\":\"a\",\"order_id\":1,\"_key\":\"b\"}",
        "{\"order_id\":1,\"a\":{\"b\":1,\"c\":[{\"d\":1,\"d\":2}]}}",
        "{\"order_id\":1," + many + ",\"m7\":0}",
        "{\"order_id\":1,\"x\":{" + many + ",\"m39\":0}}")) {
      assertThatThrownBy(() -> parse(body, EventJson.Format.JSON)).as(body)
          .isInstanceOfSatisfying(InputError.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON);
            assertThat(e.getMessage()).contains("Duplicate field");
          });
    }
    List<Event> events = parse(
        "{\"order_id\":1,\"a\":{\"b\":1},\"c\":{\"b\":2},\"d\":[{\"b\":1},{\"b\":2}]," + many + "}\n{\"order_id\":2,\"a\":1}",
        EventJson.Format.NDJSON);
    assertThat(events).extracting(Event::key).containsExactly("1", "2");
  }
}
