package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchQueryTest {
  private static final List<Input> LOG = new ArrayList<>();

  static {
    var amounts = new String[] {"5", "null", "12", "7", "30"};
    for (var i = 0; i < amounts.length; i++) {
      var json = "{\"n\": " + i + ", \"amount\": " + amounts[i] + "}";
      LOG.add(
          new Input(
              "orders",
              0,
              i,
              "o" + i,
              "id" + i,
              1_000L * i,
              List.of(),
              false,
              json.getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static List<Object> query(String text, String field) {
    var result =
        BatchEvaluator.query(
            ViewHarness.pipeline(text), ViewHarness.shop(), text, LOG, new Timestamp(2_500));
    return result.rows().stream().map(r -> r.row().get(field)).toList();
  }

  @Test
  void orderByAndLimitGiveTheTopRows() {
    assertThat(
            query(
                "FROM orders |> WHERE amount IS NOT NULL |> ORDER BY amount DESC |> LIMIT 2",
                "amount"))
        .containsExactly(30L, 12L);
  }

  @Test
  void nullsSortLastAscendingAndFirstDescending() {
    assertThat(query("FROM orders |> ORDER BY amount", "n")).containsExactly(0L, 3L, 2L, 4L, 1L);
    assertThat(query("FROM orders |> ORDER BY amount DESC", "n"))
        .containsExactly(1L, 4L, 2L, 3L, 0L);
  }

  @Test
  void withoutOrderByRowsComeInKeyOrder() {
    assertThat(query("FROM orders |> LIMIT 3", "n")).containsExactly(0L, 1L, 2L);
  }

  @Test
  void nowIsOneInstantThroughoutAQuery() {
    assertThat(query("FROM orders |> WHERE _time < now() |> SELECT n", "n"))
        .containsExactly(0L, 1L, 2L);
  }

  @Test
  void aViewEvaluatedAsABatchHasItsEmptyGlobalRow() {
    var text = "FROM orders |> AGGREGATE count(*) AS n";
    var result =
        BatchEvaluator.view(ViewHarness.pipeline(text), ViewHarness.shop(), text, List.of());
    assertThat(result.rows())
        .singleElement()
        .satisfies(r -> assertThat(r.row().get("n")).isEqualTo(0L));
  }
}
