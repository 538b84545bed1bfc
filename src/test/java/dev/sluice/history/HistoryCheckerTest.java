package dev.sluice.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.history.History.Ack;
import dev.sluice.history.History.Append;
import dev.sluice.history.History.Operation;
import dev.sluice.history.History.Outcome;
import dev.sluice.history.History.Read;
import dev.sluice.history.History.Seen;
import dev.sluice.history.History.Written;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The history checker on hand-made histories: each broken one must be caught and named. */
class HistoryCheckerTest {
  /** Times are logical here: each operation is invoked at its index × 10 and completes 5 later. */
  private final List<Operation> history = new ArrayList<>();

  private void append(Outcome outcome, List<Written> events, Ack... positions) {
    long t = history.size() * 10L;
    history.add(new Append(0, t, t + 5, events, outcome, List.of(positions)));
  }

  private void read(int partition, long from, int limit, Seen... seen) {
    long t = history.size() * 10L;
    history.add(new Read(1, t, t + 5, partition, from, limit, Outcome.OK, List.of(seen)));
  }

  private static Written w(String id) {
    return new Written(id, "k-" + id, "v-" + id);
  }

  private static Seen seen(int partition, long offset, String id) {
    return new Seen(partition, offset, id, "v-" + id);
  }

  private static Ack ack(int partition, long offset) {
    return new Ack(partition, offset, false);
  }

  @Test
  void aCorrectHistoryHasNoViolations() {
    append(Outcome.OK, List.of(w("a"), w("b")), ack(0, 0), ack(1, 0));
    append(Outcome.UNKNOWN, List.of(w("c")));
    append(Outcome.OK, List.of(w("c")), new Ack(0, 1, true)); // the retry: the first attempt had landed
    append(Outcome.UNKNOWN, List.of(w("d"))); // never landed: allowed
    append(Outcome.FAIL, List.of(w("e")));
    read(0, 0, 10, seen(0, 0, "a"), seen(0, 1, "c"));
    read(1, 0, 10, seen(1, 0, "b"));
    read(0, 1, 1, seen(0, 1, "c"));

    assertThat(HistoryChecker.check(history)).isEmpty();
  }

  @Test
  void aLostAcknowledgedWriteIsCaught() {
    append(Outcome.OK, List.of(w("a")), ack(0, 0));
    append(Outcome.OK, List.of(w("b")), ack(0, 1));
    read(0, 0, 10, seen(0, 0, "a"));

    assertThat(HistoryChecker.check(history)).anySatisfy(v -> assertThat(v).startsWith("lost acknowledged write: id b"))
        .anySatisfy(v -> assertThat(v).startsWith("stale read: id b was acknowledged at partition 0 offset 1"));
  }

  @Test
  void anAcknowledgedWriteFoundUnderAnotherIdIsLost() {
    append(Outcome.OK, List.of(w("a")), ack(0, 0));
    append(Outcome.UNKNOWN, List.of(w("x")));
    read(0, 0, 10, seen(0, 0, "x"));

    assertThat(HistoryChecker.check(history)).contains("lost acknowledged write: id a value v-a was acknowledged at partition 0"
        + " offset 0, but reads found id x value v-x there");
  }

  @Test
  void aDuplicateIsCaught() {
    append(Outcome.UNKNOWN, List.of(w("a")));
    append(Outcome.OK, List.of(w("a")), ack(0, 1)); // a retry that landed again instead of finding the first
    read(0, 0, 10, seen(0, 0, "a"), seen(0, 1, "a"));

    assertThat(HistoryChecker.check(history))
        .containsExactly("duplicate: id a is at 2 offsets: [partition 0 offset 0, partition 0 offset 1]");
  }

  @Test
  void twoReadsThatDisagreeAboutAnOffsetAreCaught() {
    append(Outcome.UNKNOWN, List.of(w("a")));
    append(Outcome.UNKNOWN, List.of(w("b")));
    read(0, 0, 10, seen(0, 0, "a"));
    read(0, 0, 10, seen(0, 0, "b"));

    assertThat(HistoryChecker.check(history))
        .contains("two reads disagree about partition 0 offset 0: one saw id a value v-a, another id b value v-b");
  }

  @Test
  void aReadOfAValueNeverWrittenIsCaught() {
    append(Outcome.OK, List.of(w("a")), ack(0, 0));
    read(0, 0, 10, seen(0, 0, "a"), new Seen(0, 1, "ghost", "boo"));

    assertThat(HistoryChecker.check(history))
        .containsExactly("a read found a value never written at partition 0 offset 1: id ghost value boo (no append sent that id)");
  }

  @Test
  void aValueChangedOnTheWayIsNeverWritten() {
    append(Outcome.OK, List.of(w("a")), ack(0, 0));
    read(0, 0, 10, new Seen(0, 0, "a", "v-A"));

    assertThat(HistoryChecker.check(history)).anySatisfy(v -> assertThat(v)
        .isEqualTo("a read found a value never written at partition 0 offset 0: id a value v-A (the append of that id sent v-a)"));
  }

  @Test
  void offsetsThatSkipAreCaught() {
    append(Outcome.OK, List.of(w("a")), ack(0, 0));
    append(Outcome.OK, List.of(w("b")), ack(0, 2));
    read(0, 0, 10, seen(0, 0, "a"), seen(0, 2, "b"));

    assertThat(HistoryChecker.check(history))
        .anySatisfy(v -> assertThat(v).contains("returned partition 0 offset 2 as its event number 1: offsets are not dense"))
        .anySatisfy(v -> assertThat(v).isEqualTo("partition 0 has a hole: no read saw offsets 1 to 1, though reads saw offset 2"));
  }

  @Test
  void halfAnAppendIsCaught() {
    append(Outcome.UNKNOWN, List.of(w("a"), w("b")));
    read(0, 0, 10, seen(0, 0, "a"));

    assertThat(HistoryChecker.check(history))
        .containsExactly("partial append: of one request, ids [a] are in the log and [b] are not");
  }

  @Test
  void aFailedAppendThatTookEffectIsCaught() {
    append(Outcome.FAIL, List.of(w("a")));
    read(0, 0, 10, seen(0, 0, "a"));

    assertThat(HistoryChecker.check(history)).containsExactly("a failed append took effect: ids [a] are in the log");
  }
}
