package dev.sluice.operators;

import java.time.Instant;

/**
 * A point in event time, in epoch milliseconds. A value of its own (not a number) so that {@code
 * _time + INTERVAL 1 HOUR} type-checks and {@code _time + 1} does not.
 */
public record Timestamp(long epochMs) implements Comparable<Timestamp> {

  @Override
  public int compareTo(Timestamp other) {
    return Long.compare(epochMs, other.epochMs);
  }

  /** ISO-8601 in UTC with milliseconds, which is also how timestamps are written to JSON. */
  @Override
  public String toString() {
    return Instant.ofEpochMilli(epochMs).toString();
  }
}
