package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AggregateTest {
  private static ViewHarness view(String text) {
    return new ViewHarness(text, ViewHarness.shop());
  }

  @Test
  void countGoesDownWhenATableRowIsDeleted() {
    var v = view("FROM customers |> AGGREGATE count(*) AS n GROUP BY country");
    v.append("customers", "c1", "{'customer_id': 'c1', 'country': 'NL'}");
    v.append("customers", "c2", "{'customer_id': 'c2', 'country': 'NL'}");
    assertThat(v.row("NL")).containsEntry("n", 2L);
    v.delete("customers", "c1");
    assertThat(v.row("NL")).containsEntry("n", 1L);
    v.assertEqualsBatch();
  }

  @Test
  void aGroupWhoseCountReachesZeroDisappears() {
    var v = view("FROM customers |> AGGREGATE count(*) AS n GROUP BY country");
    v.append("customers", "c1", "{'country': 'NL'}");
    v.append("customers", "c1", "{'country': 'DE'}");
    assertThat(v.rows()).containsOnlyKeys("DE");
    v.delete("customers", "c1");
    assertThat(v.rows()).isEmpty();
    assertThat(v.state.size()).as("no state is left behind").isZero();
  }

  @Test
  void aTableUpdateMovesTheRowToItsNewGroup() {
    var v =
        view("FROM customers |> AGGREGATE count(*) AS n, sum(credit) AS credit GROUP BY country");
    v.append("customers", "c1", "{'country': 'NL', 'credit': 10}");
    v.append("customers", "c2", "{'country': 'NL', 'credit': 5}");
    v.append("customers", "c1", "{'country': 'DE', 'credit': 7}");
    assertThat(v.row("NL")).isEqualTo(Map.of("country", "NL", "n", 1L, "credit", 5L));
    assertThat(v.row("DE")).isEqualTo(Map.of("country", "DE", "n", 1L, "credit", 7L));
  }

  @Test
  void minAndMaxStayRightAfterTheCurrentExtremeIsDeleted() {
    var v =
        view(
            "FROM customers |> AGGREGATE min(age) AS youngest, max(age) AS oldest GROUP BY"
                + " country");
    v.append("customers", "a", "{'country': 'NL', 'age': 30}");
    v.append("customers", "b", "{'country': 'NL', 'age': 20}");
    v.append("customers", "c", "{'country': 'NL', 'age': 40}");
    v.append("customers", "d", "{'country': 'NL', 'age': 40}");
    v.delete("customers", "b");
    v.delete("customers", "c");
    assertThat(v.row("NL")).containsEntry("youngest", 30L).containsEntry("oldest", 40L);
    v.delete("customers", "d");
    assertThat(v.row("NL")).containsEntry("youngest", 30L).containsEntry("oldest", 30L);
  }

  @Test
  void countOfAFieldSkipsNullsAndCountDistinctCountsValuesOnce() {
    var v =
        view(
            "FROM orders |> AGGREGATE count(*) AS rows, count(coupon) AS coupons, count(DISTINCT"
                + " customer_id) AS buyers");
    v.append("orders", "o1", "{'customer_id': 'c1', 'coupon': 'X'}");
    v.append("orders", "o2", "{'customer_id': 'c1', 'coupon': null}");
    v.append("orders", "o3", "{'customer_id': 'c2'}");
    assertThat(v.row(List.of())).isEqualTo(Map.of("rows", 3L, "coupons", 1L, "buyers", 2L));
  }

  @Test
  void aggregateWithoutGroupByHasOneRowEvenWhenEmpty() {
    var v =
        view("FROM customers |> AGGREGATE count(*) AS n, sum(credit) AS total, max(credit) AS top");
    var empty = new java.util.HashMap<String, Object>();
    empty.put("n", 0L);
    empty.put("total", null);
    empty.put("top", null);
    assertThat(v.row(List.of())).isEqualTo(empty);
    v.append("customers", "c1", "{'credit': 3}");
    assertThat(v.row(List.of())).isEqualTo(Map.of("n", 1L, "total", 3L, "top", 3L));
    v.delete("customers", "c1");
    assertThat(v.row(List.of())).isEqualTo(empty);
    v.assertEqualsBatch();
  }

  @Test
  void sumsOfIntegersStayIntegersAndDecimalSumsAreExact() {
    var v =
        view("FROM orders |> AGGREGATE sum(amount) AS total, avg(amount) AS mean GROUP BY kind");
    v.append("orders", "o1", "{'kind': 'i', 'amount': 1}");
    v.append("orders", "o2", "{'kind': 'i', 'amount': 2}");
    v.append("orders", "o3", "{'kind': 'd', 'amount': 0.10}");
    v.append("orders", "o4", "{'kind': 'd', 'amount': 0.20}");
    assertThat(v.row("i")).containsEntry("total", 3L).containsEntry("mean", new BigDecimal("1.5"));
    assertThat(v.row("d"))
        .containsEntry("total", new BigDecimal("0.3"))
        .containsEntry("mean", new BigDecimal("0.15"));
  }

  @Test
  void integerSumsPastSixtyFourBitsBecomeDecimalsInsteadOfWrapping() {
    var v = view("FROM orders |> AGGREGATE sum(amount) AS total");
    v.append("orders", "o1", "{'amount': 9223372036854775807}");
    v.append("orders", "o2", "{'amount': 1}");
    assertThat(v.row(List.of())).containsEntry("total", new BigDecimal("9223372036854775808"));
  }

  @Test
  void itemsMayComputeOverAggregatesAndGroupFields() {
    var v =
        view(
            "FROM orders |> AGGREGATE sum(amount) / count(*) AS mean, kind || ':' || count(*) AS"
                + " label GROUP BY kind");
    v.append("orders", "o1", "{'kind': 'a', 'amount': 4}");
    v.append("orders", "o2", "{'kind': 'a', 'amount': 6}");
    assertThat(v.row("a")).isEqualTo(Map.of("kind", "a", "mean", 5L, "label", "a:2"));
  }

  @Test
  void groupByManyFieldsKeysRowsByTheListOfValues() {
    var v = view("FROM orders |> AGGREGATE count(*) AS n GROUP BY kind, size");
    v.append("orders", "o1", "{'kind': 'a', 'size': 1}");
    v.append("orders", "o2", "{'kind': 'a', 'size': 1.0}");
    assertThat(v.rows().keySet()).containsExactly(List.of("a", 1L));
    assertThat(v.row(List.of("a", 1L))).containsEntry("n", 2L);
  }

  @Test
  void aSumOverAStringDropsTheRowFromEveryAggregateAndReportsIt() {
    var v = view("FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total");
    v.append("orders", "o1", "{'amount': 5}");
    v.append("orders", "o2", "{'amount': 'lots'}");
    assertThat(v.row(List.of())).isEqualTo(Map.of("n", 1L, "total", 5L));
    assertThat(v.deadLetters)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.reason()).isEqualTo("sum needs numbers, got string");
              assertThat(d.source()).isEqualTo("orders");
              assertThat(d.column()).isEqualTo(41);
            });
  }
}
