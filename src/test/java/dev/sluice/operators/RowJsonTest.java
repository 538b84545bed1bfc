package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowJsonTest {
  private static Row parse(String json) {
    return Row.fromJson(json.getBytes(StandardCharsets.UTF_8), null);
  }

  @Test
  void integersAreLongsAndNumbersWithAPointAreExactDecimals() {
    var row = parse("{\"n\": 42, \"d\": 1.50, \"big\": 123456789012345678901234567890}");
    assertThat(row.get("n")).isEqualTo(42L);
    assertThat(row.get("d")).isEqualTo(new BigDecimal("1.50"));
    assertThat(row.get("big")).isEqualTo(new BigDecimal("123456789012345678901234567890"));
  }

  @Test
  void nestedObjectsAndArraysBecomeMapsAndLists() {
    var row = parse("{\"a\": {\"b\": [1, null, \"x\"]}, \"t\": true}");
    assertThat(row.get("a")).isEqualTo(Map.of("b", java.util.Arrays.asList(1L, null, "x")));
    assertThat(row.get("t")).isEqualTo(true);
  }

  @Test
  void anAbsentFieldReadsAsNull() {
    assertThat(parse("{\"a\": 1}").get("b")).isNull();
  }

  @Test
  void aRepeatedMemberKeepsTheLastValue() {
    var row = parse("{\"a\": 1, \"a\": 2}");
    assertThat(row.size()).isEqualTo(1);
    assertThat(row.get("a")).isEqualTo(2L);
  }

  @Test
  void aValueThatIsNotAnObjectIsRefused() {
    assertThatThrownBy(() -> parse("[1, 2]")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> parse("{\"a\": ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rowsWriteBackAsTheSameJsonWithTimestampsInIso() {
    var row =
        Row.of(Map.of("t", new Timestamp(0)))
            .with("d", new BigDecimal("1.50"))
            .with("l", List.of(1L, "x"));
    assertThat(row.toString())
        .isEqualTo("{\"t\":\"1970-01-01T00:00:00Z\",\"d\":1.50,\"l\":[1,\"x\"]}");
    assertThat(parse(row.toString()).get("d")).isEqualTo(new BigDecimal("1.50"));
  }

  @Test
  void theEnvelopeIsReadableButNotAField() {
    var envelope = new Envelope("k1", "id-1", 1_000, 2, 7, List.of());
    var row = Row.fromJson("{\"a\": 1}".getBytes(StandardCharsets.UTF_8), envelope);
    assertThat(row.envelope().orElseThrow().field("_time")).isEqualTo(new Timestamp(1_000));
    assertThat(row.envelope().orElseThrow().field("_offset")).isEqualTo(7L);
    assertThat(row.toString()).isEqualTo("{\"a\":1}");
  }
}
