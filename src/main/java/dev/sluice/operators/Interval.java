package dev.sluice.operators;

/** A length of time in milliseconds: what {@code INTERVAL 5 MINUTES} and {@code t1 - t2} give. */
public record Interval(long millis) implements Comparable<Interval> {

  @Override
  public int compareTo(Interval other) {
    return Long.compare(millis, other.millis);
  }
}
