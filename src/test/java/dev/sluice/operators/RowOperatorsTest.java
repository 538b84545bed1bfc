package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RowOperatorsTest {
  private static ViewHarness view(String text) {
    return new ViewHarness(text, ViewHarness.shop());
  }

  @Test
  void whereKeepsOnlyRowsWhoseConditionIsTrueNotNull() {
    var v = view("FROM orders |> WHERE amount > 10");
    v.append("orders", "o1", "{'amount': 11}");
    v.append("orders", "o2", "{'amount': 10}");
    v.append("orders", "o3", "{'amount': null}");
    v.append("orders", "o4", "{}");
    assertThat(v.view.values()).extracting(r -> r.get("amount")).containsExactly(11L);
  }

  @Test
  void aStreamViewHasOneRowPerEventEvenWithTheSameKey() {
    var v = view("FROM orders");
    v.append("orders", "o1", "{'n': 1}");
    v.append("orders", "o1", "{'n': 2}");
    assertThat(v.view).hasSize(2);
    assertThat(v.rows().keySet())
        .extracting(Object::toString)
        .containsExactly("[o1, 0, 0]", "[o1, 0, 1]");
  }

  @Test
  void aTableViewHasTheLatestRowPerKey() {
    var v = view("FROM customers |> WHERE vip");
    v.append("customers", "c1", "{'vip': true, 'n': 1}");
    v.append("customers", "c1", "{'vip': true, 'n': 2}");
    assertThat(v.rows()).isEqualTo(Map.of("c1", Map.of("vip", true, "n", 2L)));
    v.append("customers", "c1", "{'vip': false}");
    assertThat(v.rows()).isEmpty();
  }

  @Test
  void selectNamesItemsByAliasOrLastPathSegmentAndStarCopiesTheRow() {
    var v = view("FROM orders |> SELECT *, customer.address.city, amount * 2 AS double");
    v.append("orders", "o1", "{'amount': 3, 'customer': {'address': {'city': 'Delft'}}}");
    assertThat(v.view.values())
        .singleElement()
        .extracting(Row::toString)
        .isEqualTo(
            "{\"amount\":3,\"customer\":{\"address\":{\"city\":\"Delft\"}},\"city\":\"Delft\",\"double\":6}");
  }

  @Test
  void extendAddsOrReplacesFieldsAndTheEnvelopeStaysReadable() {
    var v =
        view(
            "FROM orders |> EXTEND amount + 1 AS amount, _key AS id |> SELECT amount, id, _offset"
                + " AS at");
    v.append("orders", "o1", "{'amount': 3}");
    assertThat(v.view.values())
        .singleElement()
        .extracting(Row::toMap)
        .isEqualTo(Map.of("amount", 4L, "id", "o1", "at", 0L));
  }

  @Test
  void aTableUpdateThatDoesNotChangeTheViewRowChangesNothing() {
    var v = view("FROM customers |> SELECT country");
    v.append("customers", "c1", "{'country': 'NL', 'visits': 1}");
    var applied = v.append("customers", "c1", "{'country': 'NL', 'visits': 2}");
    assertThat(applied.changes()).isEmpty();
  }

  @Test
  void aChangedTableRowIsOneChangeWithTheOldAndTheNewRow() {
    var v = view("FROM customers");
    v.append("customers", "c1", "{'n': 1}");
    var applied = v.append("customers", "c1", "{'n': 2}");
    assertThat(applied.changes())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.key().value()).isEqualTo("c1");
              assertThat(c.oldRow().get("n")).isEqualTo(1L);
              assertThat(c.newRow().get("n")).isEqualTo(2L);
            });
  }

  @Test
  void aValueThatIsNotAJsonObjectIsADeadLetterAndLeavesTheTableRowAlone() {
    var v = view("FROM customers");
    v.append("customers", "c1", "{'n': 1}");
    v.append("customers", "c1", "[1]");
    assertThat(v.rows()).isEqualTo(Map.of("c1", Map.of("n", 1L)));
    assertThat(v.deadLetters)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.reason()).isEqualTo("the value is not a JSON object");
              assertThat(d.offset()).isEqualTo(1);
            });
    v.assertEqualsBatch();
  }
}
