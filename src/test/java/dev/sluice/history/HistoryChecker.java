package dev.sluice.history;

import dev.sluice.history.History.Ack;
import dev.sluice.history.History.Append;
import dev.sluice.history.History.Operation;
import dev.sluice.history.History.Outcome;
import dev.sluice.history.History.Read;
import dev.sluice.history.History.Seen;
import dev.sluice.history.History.Written;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks a history of appends and reads on one stream against what a log promises, and names every
 * violation:
 *
 * <ol>
 *   <li>a read returns a partition's events at dense offsets, from the offset asked for;
 *   <li>no two reads disagree about what is at an offset;
 *   <li>every event read was written by some append, with that value;
 *   <li>an operation id is at one offset at most (retried appends with the same id land once, and
 *       appends whose outcome was unknown appear at most once);
 *   <li>every acknowledged event is at the partition and offset its acknowledgement named, with its
 *       value (no acknowledged write is lost);
 *   <li>a read that began after an event was acknowledged, and reached the end of its partition
 *       past that offset, saw it;
 *   <li>an append is atomic: its events are all in the log or none is; one that definitely failed
 *       left none (unless the same ids were sent again);
 *   <li>the offsets read in each partition have no holes (the reads of a history end by reading
 *       every partition from offset 0 to its end).
 * </ol>
 */
final class HistoryChecker {
  private HistoryChecker() {}

  private record At(int partition, long offset) {
    @Override
    public String toString() {
      return "partition " + partition + " offset " + offset;
    }
  }

  /** The violations of {@code history}; empty when it is one a correct log could have produced. */
  static List<String> check(List<Operation> history) {
    List<String> violations = new ArrayList<>();
    List<Append> appends = new ArrayList<>();
    List<Read> reads = new ArrayList<>();
    for (Operation op : history) {
      switch (op) {
        case Append a -> appends.add(a);
        case Read r -> {
          if (r.outcome() == Outcome.OK) {
            reads.add(r);
          }
        }
      }
    }
    Map<String, String> written = new HashMap<>();
    for (Append a : appends) {
      for (Written w : a.events()) {
        String before = written.putIfAbsent(w.id(), w.value());
        if (before != null && !before.equals(w.value())) {
          throw new IllegalArgumentException("the history sends id " + w.id() + " with two values: " + before + ", " + w.value());
        }
      }
    }

    Map<At, Seen> observed = new TreeMap<>(java.util.Comparator.comparingInt(At::partition).thenComparingLong(At::offset));
    for (Read r : reads) {
      for (int i = 0; i < r.events().size(); i++) {
        Seen s = r.events().get(i);
        if (s.partition() != r.partition() || s.offset() != r.from() + i) {
          violations.add("a read of partition " + r.partition() + " from offset " + r.from() + " returned " + at(s)
              + " as its event number " + i + ": offsets are not dense");
        }
        Seen before = observed.putIfAbsent(at(s), s);
        if (before != null && !(Objects.equals(before.id(), s.id()) && Objects.equals(before.value(), s.value()))) {
          violations.add("two reads disagree about " + at(s) + ": one saw id " + before.id() + " value " + before.value()
              + ", another id " + s.id() + " value " + s.value());
        }
      }
    }

    Map<String, List<At>> places = new HashMap<>();
    for (Seen s : observed.values()) {
      String value = written.get(s.id());
      if (value == null || !value.equals(s.value())) {
        violations.add("a read found a value never written at " + at(s) + ": id " + s.id() + " value " + s.value()
            + (value == null ? " (no append sent that id)" : " (the append of that id sent " + value + ")"));
      }
      places.computeIfAbsent(s.id(), k -> new ArrayList<>()).add(at(s));
    }
    places.forEach((id, at) -> {
      if (at.size() > 1) {
        violations.add("duplicate: id " + id + " is at " + at.size() + " offsets: " + at);
      }
    });

    for (Append a : appends) {
      if (a.outcome() == Outcome.OK) {
        checkAcknowledged(a, observed, reads, violations);
      }
      checkAtomic(a, appends, places, violations);
    }

    Map<Integer, TreeSet<Long>> offsets = new TreeMap<>();
    observed.keySet().forEach(at -> offsets.computeIfAbsent(at.partition(), p -> new TreeSet<>()).add(at.offset()));
    offsets.forEach((partition, seen) -> {
      long expected = 0;
      for (long offset : seen) {
        if (offset != expected) {
          violations.add("partition " + partition + " has a hole: no read saw offsets " + expected + " to " + (offset - 1)
              + ", though reads saw offset " + offset);
        }
        expected = offset + 1;
      }
    });
    return violations;
  }

  private static void checkAcknowledged(Append a, Map<At, Seen> observed, List<Read> reads, List<String> violations) {
    if (a.positions().size() != a.events().size()) {
      violations.add("an acknowledged append of " + a.events().size() + " events answered " + a.positions().size() + " positions");
      return;
    }
    for (int i = 0; i < a.events().size(); i++) {
      Written w = a.events().get(i);
      Ack ack = a.positions().get(i);
      At where = new At(ack.partition(), ack.offset());
      Seen there = observed.get(where);
      if (there == null) {
        violations.add("lost acknowledged write: id " + w.id() + " was acknowledged at " + where + ", and no read saw that offset");
      } else if (!w.id().equals(there.id()) || !w.value().equals(there.value())) {
        violations.add("lost acknowledged write: id " + w.id() + " value " + w.value() + " was acknowledged at " + where
            + ", but reads found id " + there.id() + " value " + there.value() + " there");
      }
      for (Read r : reads) {
        boolean reachedEnd = r.events().size() < r.limit();
        boolean endedBefore = r.partition() == ack.partition() && r.from() + r.events().size() <= ack.offset();
        if (r.invokedNs() > a.completedNs() && reachedEnd && endedBefore) {
          violations.add("stale read: id " + w.id() + " was acknowledged at " + where + " before a read of partition "
              + r.partition() + " from offset " + r.from() + " began, which ended at offset " + (r.from() + r.events().size())
              + " without it");
        }
      }
    }
  }

  /** All of an append's events are in the log or none; none when it failed, unless its ids were sent again. */
  private static void checkAtomic(Append a, List<Append> appends, Map<String, List<At>> places, List<String> violations) {
    List<String> present = new ArrayList<>();
    List<String> absent = new ArrayList<>();
    for (Written w : a.events()) {
      (places.containsKey(w.id()) ? present : absent).add(w.id());
    }
    if (!present.isEmpty() && !absent.isEmpty()) {
      violations.add("partial append: of one request, ids " + present + " are in the log and " + absent + " are not");
    }
    if (a.outcome() == Outcome.FAIL && !present.isEmpty()) {
      boolean sentAgain = appends.stream().anyMatch(other -> other != a && other.outcome() != Outcome.FAIL
          && other.events().stream().anyMatch(w -> present.contains(w.id())));
      if (!sentAgain) {
        violations.add("a failed append took effect: ids " + present + " are in the log");
      }
    }
  }

  private static At at(Seen s) {
    return new At(s.partition(), s.offset());
  }
}
