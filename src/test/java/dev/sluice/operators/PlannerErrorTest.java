package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.language.ErrorCode;
import dev.sluice.language.LanguageException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlannerErrorTest {
  private static final Catalog CATALOG =
      Catalog.of(
          SourceInfo.stream("orders").withKnownFields(Set.of("customer_id", "amount", "status")),
          SourceInfo.stream("clicks"),
          SourceInfo.table("customers", "customer_id").withKnownFields(Set.of("country", "name")));

  private static LanguageException refused(String text) {
    return assertThrows(
        LanguageException.class, () -> Planner.plan(ViewHarness.pipeline(text), CATALOG, text));
  }

  @Test
  void anUnknownSourceIsNamedWithASuggestion() {
    var e = refused("FROM ordres |> WHERE amount > 1");
    assertThat(e.getMessage())
        .isEqualTo("line 1, column 6: unknown stream or table ordres — did you mean orders?");
  }

  @Test
  void anUnknownFieldIsShownWithACaretAndASuggestion() {
    var e = refused("FROM orders\n  |> WHERE custmer_id = 'c1'");
    assertThat(e.render())
        .isEqualTo(
            """
            line 2, column 12: unknown field custmer_id — did you mean customer_id?
              |> WHERE custmer_id = 'c1'
                       ^\
            """);
  }

  @Test
  void eachRefusalCarriesTheCodeClientsMatchOn() {
    assertThat(refused("FROM ordres").code()).isEqualTo(ErrorCode.UNKNOWN_SOURCE.id());
    assertThat(refused("FROM orders |> WHERE amont > 1").code()).isEqualTo(ErrorCode.UNKNOWN_FIELD.id());
    assertThat(refused("FROM orders |> SELECT amount, status AS amount").code())
        .isEqualTo(ErrorCode.DUPLICATE_FIELD.id());
    assertThat(refused("FROM orders |> JOIN clicks USING (customer_id)").code())
        .isEqualTo(ErrorCode.INVALID_JOIN.id());
    assertThat(
            refused("FROM customers |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE) LATENESS INTERVAL 1 MINUTE")
                .code())
        .isEqualTo(ErrorCode.INVALID_WINDOW.id());
  }

  @Test
  void latenessIsRefusedOnAWindowWhoseRowsCanBeRetracted() {
    var e =
        refused(
            "FROM orders |> JOIN customers USING (customer_id)"
                + " |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE) LATENESS INTERVAL 5 MINUTES");
    assertThat(e.reason()).startsWith("LATENESS needs a window over stream events only");
    assertThat(e.position().column()).as("the interval after LATENESS").isEqualTo(103);
  }

  @Test
  void fieldsAreCheckedAgainstWhatTheOperatorsBeforeProduce() {
    var e = refused("FROM orders |> SELECT amount AS total |> WHERE amount > 1");
    assertThat(e.reason()).isEqualTo("unknown field amount");
    assertThat(e.hint()).contains("known fields: total");
  }

  @Test
  void aJoinedTablesFieldsBecomeKnown() {
    var text =
        "FROM orders |> JOIN customers USING (customer_id) |> WHERE country = 'NL' AND nmae = 'x'";
    var e = refused(text);
    assertThat(e.column()).isEqualTo(text.indexOf("nmae") + 1);
    assertThat(e.hint()).contains("did you mean name?");
  }

  @Test
  void sourcesWithoutKnownFieldsAcceptAnyName() {
    var text = "FROM clicks |> WHERE anything > 1";
    assertThat(Planner.plan(ViewHarness.pipeline(text), CATALOG, text).sources())
        .containsExactly("clicks");
  }

  @Test
  void orderByAndLimitAreForAdHocQueriesOnly() {
    assertThat(refused("FROM orders |> ORDER BY amount").reason())
        .isEqualTo("ORDER BY is only for ad-hoc queries: a view is a set of rows kept by key");
    assertThat(refused("FROM orders |> LIMIT 3").column()).isEqualTo(16);
  }

  @Test
  void nowIsRefusedInAView() {
    var e = refused("FROM orders |> WHERE _time > now()");
    assertThat(e.column()).isEqualTo(30);
    assertThat(e.hint()).contains("use the event time _time instead");
  }

  @Test
  void onlyATableCanBeJoined() {
    var e = refused("FROM orders |> JOIN clicks USING (customer_id)");
    assertThat(e.reason()).startsWith("cannot JOIN the stream clicks");
    assertThat(e.column()).isEqualTo(21);
  }

  @Test
  void joinConditionsMustBeEqualitiesBetweenTheTwoSides() {
    assertThat(refused("FROM orders |> JOIN customers ON amount > customers.credit").reason())
        .startsWith("JOIN … ON needs equalities");
    assertThat(refused("FROM orders |> JOIN customers ON customer_id = amount").reason())
        .contains(
            "one side of customer_id = amount must read only the row, the other only customers");
  }

  @Test
  void anAggregateItemWithoutANameAsksForOne() {
    var e = refused("FROM orders |> AGGREGATE count(*) GROUP BY status");
    assertThat(e.reason()).isEqualTo("this item needs a name");
    assertThat(e.column()).isEqualTo(26);
  }

  @Test
  void aFieldNeitherGroupedNorAggregatedIsRefused() {
    var e = refused("FROM orders |> AGGREGATE sum(amount) + amount AS x GROUP BY status");
    assertThat(e.code()).isEqualTo("invalid_aggregate");
    assertThat(e.reason()).isEqualTo("amount is neither grouped nor aggregated");
  }

  @Test
  void theEnvelopeIsGoneAfterAggregate() {
    var e =
        refused(
            "FROM orders |> AGGREGATE count(*) AS n GROUP BY status |> WHERE _time > '2024-01-01'");
    assertThat(e.reason()).startsWith("_time is not available after AGGREGATE");
  }

  @Test
  void twoOutputFieldsWithOneNameAreRefused() {
    assertThat(refused("FROM orders |> SELECT amount, status AS amount").reason())
        .isEqualTo("the output has two fields named amount");
  }

  @Test
  void aHopWithTooManyWindowsPerRowIsRefused() {
    var e = refused("FROM orders |> WINDOW HOP(_time, INTERVAL 1 DAY, INTERVAL 1 SECOND)");
    assertThat(e.code()).isEqualTo("invalid_number");
  }
}
