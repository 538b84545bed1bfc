package dev.sluice.bench;

import java.util.List;

/** The median of a benchmark's repeated runs, the figure that compares them. */
public final class Medians {
  private Medians() {}

  /** The middle value, or the mean of the two middle values; NaN for none. */
  public static double of(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return (sorted.get((n - 1) / 2) + sorted.get(n / 2)) / 2;
  }
}
