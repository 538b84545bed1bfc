package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JoinTest {
  private static ViewHarness view(String text) {
    return new ViewHarness(text, ViewHarness.shop());
  }

  @Test
  void aStreamRowIsEnrichedWithTheTablesCurrentRow() {
    var v = view("FROM orders |> JOIN customers USING (customer_id)");
    v.append("customers", "c1", "{'customer_id': 'c1', 'country': 'NL'}");
    v.append("orders", "o1", "{'customer_id': 'c1', 'amount': 5}");
    assertThat(v.view.values())
        .singleElement()
        .extracting(Row::toMap)
        .isEqualTo(Map.of("customer_id", "c1", "amount", 5L, "country", "NL"));
  }

  @Test
  void revenueByCountryMovesACustomersOrdersWhenTheirCountryChanges() {
    var v =
        view(
            "FROM orders |> WHERE status = 'paid' |> JOIN customers USING (customer_id)"
                + " |> AGGREGATE count(*) AS orders, sum(amount) AS revenue GROUP BY country");
    v.append("customers", "c1", "{'customer_id': 'c1', 'country': 'NL'}");
    v.append("orders", "o1", "{'customer_id': 'c1', 'status': 'paid', 'amount': 5}");
    v.append("orders", "o2", "{'customer_id': 'c1', 'status': 'paid', 'amount': 7}");
    v.append("orders", "o3", "{'customer_id': 'c1', 'status': 'open', 'amount': 100}");
    assertThat(v.row("NL")).containsEntry("revenue", 12L);
    v.append("customers", "c1", "{'customer_id': 'c1', 'country': 'DE'}");
    assertThat(v.rows()).containsOnlyKeys("DE");
    assertThat(v.row("DE")).containsEntry("orders", 2L).containsEntry("revenue", 12L);
    v.delete("customers", "c1");
    assertThat(v.rows()).isEmpty();
    v.assertEqualsBatch();
  }

  @Test
  void anInnerJoinShowsNothingUntilTheTableRowArrives() {
    var v = view("FROM orders |> JOIN customers USING (customer_id)");
    v.append("orders", "o1", "{'customer_id': 'c1'}");
    assertThat(v.view).isEmpty();
    v.append("customers", "c1", "{'customer_id': 'c1', 'country': 'NL'}");
    assertThat(v.view).hasSize(1);
  }

  @Test
  void aLeftJoinNullExtendsAndFixesItselfWhenTheTableRowArrives() {
    var v =
        view("FROM orders |> LEFT JOIN customers USING (customer_id) |> SELECT amount, country");
    v.append("orders", "o1", "{'customer_id': 'c1', 'amount': 5}");
    var unmatched = new java.util.HashMap<String, Object>();
    unmatched.put("amount", 5L);
    unmatched.put("country", null);
    assertThat(v.view.values()).singleElement().extracting(Row::toMap).isEqualTo(unmatched);
    v.append("customers", "c1", "{'customer_id': 'c1', 'country': 'NL'}");
    assertThat(v.view.values())
        .singleElement()
        .extracting(Row::toMap)
        .isEqualTo(Map.of("amount", 5L, "country", "NL"));
    v.delete("customers", "c1");
    assertThat(v.view.values()).singleElement().extracting(Row::toMap).isEqualTo(unmatched);
    v.assertEqualsBatch();
  }

  @Test
  void joinedRowsAreKeyedByBothSidesAndUnmatchedOnesByNull() {
    var v = view("FROM orders |> LEFT JOIN customers USING (customer_id)");
    v.append("customers", "c1", "{'customer_id': 'c1'}");
    v.append("orders", "o1", "{'customer_id': 'c1'}");
    v.append("orders", "o2", "{'customer_id': 'c2'}");
    assertThat(v.rows().keySet())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("[[o1, 0, 0], c1]", "[[o2, 1, 0], null]");
  }

  @Test
  void onJoinsNameTheTablesFieldsByTheTableAndMayUseItsKey() {
    var v =
        view(
            "FROM orders |> JOIN customers ON buyer = customers._key AND region ="
                + " customers.region");
    v.append("customers", "c1", "{'region': 'eu', 'name': 'Ann'}");
    v.append("orders", "o1", "{'buyer': 'c1', 'region': 'eu'}");
    v.append("orders", "o2", "{'buyer': 'c1', 'region': 'us'}");
    assertThat(v.view.values()).singleElement().extracting(r -> r.get("name")).isEqualTo("Ann");
  }

  @Test
  void tableToTableJoinsUpdateFromBothSides() {
    var v = view("FROM customers |> JOIN rates USING (currency) |> SELECT customer_id, rate");
    v.append("customers", "c1", "{'customer_id': 'c1', 'currency': 'EUR'}");
    v.append("rates", "EUR", "{'currency': 'EUR', 'rate': 1.1}");
    v.append("rates", "EUR", "{'currency': 'EUR', 'rate': 1.2}");
    assertThat(v.view.values())
        .singleElement()
        .extracting(r -> r.get("rate"))
        .isEqualTo(new java.math.BigDecimal("1.2"));
    v.append("customers", "c1", "{'customer_id': 'c1', 'currency': 'USD'}");
    assertThat(v.view).isEmpty();
    v.assertEqualsBatch();
  }

  @Test
  void nullJoinKeysMatchNothing() {
    var v = view("FROM orders |> JOIN customers USING (customer_id)");
    v.append("customers", "c0", "{'customer_id': null}");
    v.append("orders", "o1", "{'customer_id': null}");
    assertThat(v.view).isEmpty();
  }

  @Test
  void integerAndDecimalKeysThatAreEqualJoin() {
    var v = view("FROM orders |> JOIN customers USING (customer_id)");
    v.append("customers", "c1", "{'customer_id': 1.0, 'name': 'Ann'}");
    v.append("orders", "o1", "{'customer_id': 1}");
    assertThat(v.view.values()).singleElement().extracting(r -> r.get("name")).isEqualTo("Ann");
  }

  @Test
  void onTheLeftSideTheRowsOwnFieldWinsANameClash() {
    var v = view("FROM orders |> JOIN customers USING (customer_id)");
    v.append("customers", "c1", "{'customer_id': 'c1', 'name': 'customer'}");
    v.append("orders", "o1", "{'customer_id': 'c1', 'name': 'order'}");
    assertThat(v.view.values()).singleElement().extracting(r -> r.get("name")).isEqualTo("order");
    assertThat(List.copyOf(v.view.values()).getFirst().toString())
        .isEqualTo("{\"customer_id\":\"c1\",\"name\":\"order\"}");
  }
}
