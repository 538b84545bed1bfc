package dev.sluice.operators;

import java.util.Objects;

/**
 * One change to a collection: the row with {@code key} is inserted ({@code weight} +1) or retracted
 * (−1). Every operator consumes and produces these; an update is a retraction of the old row
 * followed by an insertion of the new one.
 */
public record Change(RowKey key, Row row, int weight) {
  public Change {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(row, "row");
    if (weight != 1 && weight != -1) {
      throw new IllegalArgumentException("a change inserts (+1) or retracts (-1), got " + weight);
    }
  }

  public static Change insert(RowKey key, Row row) {
    return new Change(key, row, 1);
  }

  public static Change retract(RowKey key, Row row) {
    return new Change(key, row, -1);
  }

  public boolean isInsert() {
    return weight > 0;
  }

  /** The same change with another key and row, keeping its direction. */
  public Change to(RowKey newKey, Row newRow) {
    return new Change(newKey, newRow, weight);
  }
}
