package dev.sluice.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WindowAndUnionTest {
  private static ViewHarness view(String text) {
    return new ViewHarness(text, ViewHarness.shop());
  }

  private static Timestamp minute(int m) {
    return new Timestamp(m * 60_000L);
  }

  @Test
  void aTumblingWindowPutsEachRowInTheWindowHoldingItsEventTime() {
    var v =
        view(
            "FROM orders |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE) |> AGGREGATE count(*) AS n"
                + " GROUP BY window_start");
    v.at(59_999).append("orders", "o1", "{}");
    v.at(60_000).append("orders", "o2", "{}");
    v.at(119_999).append("orders", "o3", "{}");
    v.at(30_000).append("orders", "o4", "{}");
    assertThat(v.rows())
        .isEqualTo(
            Map.of(
                minute(0), Map.of("window_start", minute(0), "n", 2L),
                minute(1), Map.of("window_start", minute(1), "n", 2L)));
  }

  @Test
  void windowsAddTheirStartAndEndToTheRow() {
    var v =
        view(
            "FROM orders |> WINDOW TUMBLE(_time, INTERVAL 10 SECONDS) |> SELECT window_start,"
                + " window_end");
    v.at(25_000).append("orders", "o1", "{}");
    assertThat(v.view.values())
        .singleElement()
        .extracting(Row::toMap)
        .isEqualTo(
            Map.of("window_start", new Timestamp(20_000), "window_end", new Timestamp(30_000)));
  }

  @Test
  void aHoppingWindowPutsEachRowInEveryWindowCoveringIt() {
    var v =
        view(
            "FROM orders |> WINDOW HOP(_time, INTERVAL 3 MINUTES, INTERVAL 1 MINUTE) |> AGGREGATE"
                + " count(*) AS n GROUP BY window_start");
    v.at(150_000).append("orders", "o1", "{}");
    assertThat(v.rows()).containsOnlyKeys(minute(0), minute(1), minute(2));
  }

  @Test
  void windowsOnAFieldReadIsoTimestampsAndNegativeTimesFloor() {
    var v =
        view(
            "FROM orders |> WINDOW TUMBLE(created, INTERVAL 1 HOUR) |> AGGREGATE count(*) AS n"
                + " GROUP BY window_start");
    v.append("orders", "o1", "{'created': '2024-05-01T10:59:59Z'}");
    v.append("orders", "o2", "{'created': '1969-12-31T23:30:00Z'}");
    assertThat(v.rows().keySet())
        .extracting(Object::toString)
        .containsExactly("1969-12-31T23:00:00Z", "2024-05-01T10:00:00Z");
  }

  @Test
  void aRowWithoutATimeIsADeadLetter() {
    var v = view("FROM orders |> WINDOW TUMBLE(created, INTERVAL 1 HOUR)");
    v.append("orders", "o1", "{}");
    assertThat(v.view).isEmpty();
    assertThat(v.deadLetters)
        .singleElement()
        .extracting(DeadLetter::reason)
        .isEqualTo("the window's time is NULL");
  }

  @Test
  void lateEventsLandInTheirOwnWindowWhateverTheOrder() {
    var v =
        view(
            "FROM orders |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE) |> AGGREGATE sum(amount) AS"
                + " total GROUP BY window_start");
    v.at(200_000).append("orders", "o1", "{'amount': 1}");
    v.at(10_000).append("orders", "o2", "{'amount': 2}");
    v.at(70_000).append("orders", "o3", "{'amount': 3}");
    v.assertEqualsBatch();
    assertThat(v.row(minute(0))).containsEntry("total", 2L);
  }

  @Test
  void unionAllKeepsEveryRowOfBothSidesEvenWhenTheyAreEqual() {
    var v = view("FROM orders |> SELECT amount |> UNION ALL (FROM clicks |> SELECT amount)");
    v.append("orders", "k", "{'amount': 1}");
    v.append("clicks", "k", "{'amount': 1}");
    assertThat(v.view).hasSize(2);
    assertThat(v.rows().keySet())
        .extracting(Object::toString)
        .containsExactly("[0, [k, 1, 0]]", "[1, [k, 1, 0]]");
  }

  @Test
  void unionAllOfATableFollowsItsUpdates() {
    var v = view("FROM orders |> UNION ALL (FROM customers) |> AGGREGATE count(*) AS n");
    v.append("orders", "o1", "{}");
    v.append("customers", "c1", "{}");
    v.append("customers", "c1", "{'x': 1}");
    assertThat(v.row(java.util.List.of())).containsEntry("n", 2L);
    v.delete("customers", "c1");
    assertThat(v.row(java.util.List.of())).containsEntry("n", 1L);
    v.assertEqualsBatch();
  }

  @Test
  void aRowLaterThanTheLatenessAfterItsWindowEndedIsCountedNotTaken() {
    var v =
        view(
            "FROM orders |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE) LATENESS INTERVAL 30 SECONDS"
                + " |> AGGREGATE count(*) AS n GROUP BY window_start");
    // One key, so one partition: its greatest time so far decides what is late.
    v.at(65_000).append("orders", "o", "{}");
    assertThat(v.at(59_000).append("orders", "o", "{}").late()).as("within the lateness").isFalse();
    v.at(95_000).append("orders", "o", "{}");
    assertThat(v.at(10_000).append("orders", "o", "{}").late()).as("window 0 ended 35 s before 95 s").isTrue();
    assertThat(v.rows())
        .isEqualTo(
            Map.of(
                minute(0), Map.of("window_start", minute(0), "n", 1L),
                minute(1), Map.of("window_start", minute(1), "n", 2L)));
    assertThat(v.batch()).isEqualTo(v.view);
  }

  @Test
  void withoutLatenessAWindowTakesRowsUpToAnHourLate() {
    var v =
        view(
            "FROM orders |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE) |> AGGREGATE count(*) AS n"
                + " GROUP BY window_start");
    v.at(3_600_000 + 59_999).append("orders", "o", "{}");
    assertThat(v.at(1_000).append("orders", "o", "{}").late()).isFalse();
    assertThat(v.at(3_600_000 + 60_000).append("orders", "o", "{}").late()).isFalse();
    assertThat(v.at(2_000).append("orders", "o", "{}").late()).isTrue();
    assertThat(v.rows()).containsOnlyKeys(minute(0), minute(60), minute(61));
  }

  @Test
  void aWindowOverATableTakesEveryChangeSoRetractionsMeetTheirRows() {
    var v =
        view(
            "FROM customers |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE) |> AGGREGATE count(*) AS n"
                + " GROUP BY window_start");
    v.at(10 * 3_600_000L).append("customers", "c1", "{'customer_id':'c1'}");
    v.at(1_000).append("customers", "c2", "{'customer_id':'c2'}");
    v.delete("customers", "c2");
    assertThat(v.rows()).containsOnlyKeys(minute(600));
    assertThat(v.batch()).isEqualTo(v.view);
  }
}
