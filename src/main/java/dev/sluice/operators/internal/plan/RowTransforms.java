package dev.sluice.operators.internal.plan;

import dev.sluice.operators.Row;
import dev.sluice.operators.Timestamp;
import dev.sluice.operators.internal.expr.EvalError;
import dev.sluice.operators.internal.expr.Times;
import java.util.Arrays;

/**
 * What SELECT, EXTEND, JOIN and WINDOW do to one row. Shared by the dataflow and the batch
 * evaluator: the row-level meaning is defined once, the two differ only in how they find rows.
 */
public final class RowTransforms {
  private RowTransforms() {}

  /** The items of a SELECT or EXTEND over one row; the envelope stays with the row. */
  public static Row project(Node.Project project, Row row) {
    var names = new String[row.size() + project.items().size()];
    var values = new Object[names.length];
    var size = 0;
    for (var item : project.items()) {
      switch (item) {
        case Node.AllFields all -> {
          for (var i = 0; i < row.size(); i++) {
            size = set(names, values, size, row.name(i), row.value(i));
          }
        }
        case Node.Computed computed ->
            size = set(names, values, size, computed.name(), computed.value().eval(row));
      }
    }
    return Row.wrap(
        Arrays.copyOf(names, size), Arrays.copyOf(values, size), row.envelope().orElse(null));
  }

  private static int set(String[] names, Object[] values, int size, String name, Object value) {
    for (var i = 0; i < size; i++) {
      if (names[i].equals(name)) {
        values[i] = value;
        return size;
      }
    }
    if (size == names.length) {
      throw new IllegalStateException("more fields than the projection allowed for");
    }
    names[size] = name;
    values[size] = value;
    return size + 1;
  }

  /** The row's fields, then the table row's fields it does not have; the row's envelope. */
  public static Row join(Row left, Row right) {
    var names = Arrays.copyOf(namesOf(left), left.size() + right.size());
    var values = Arrays.copyOf(valuesOf(left), names.length);
    var size = left.size();
    for (var i = 0; i < right.size(); i++) {
      if (left.indexOf(right.name(i)) < 0) {
        names[size] = right.name(i);
        values[size++] = right.value(i);
      }
    }
    return Row.wrap(
        Arrays.copyOf(names, size), Arrays.copyOf(values, size), left.envelope().orElse(null));
  }

  private static String[] namesOf(Row row) {
    var names = new String[row.size()];
    for (var i = 0; i < names.length; i++) {
      names[i] = row.name(i);
    }
    return names;
  }

  private static Object[] valuesOf(Row row) {
    var values = new Object[row.size()];
    for (var i = 0; i < values.length; i++) {
      values[i] = row.value(i);
    }
    return values;
  }

  /** The event time a window operator places a row by. */
  public static long windowTime(Node.Window window, Row row) {
    var time = window.time().eval(row);
    if (time == null) {
      throw new EvalError("the window's time is NULL", window.pos());
    }
    return Times.timestamp(time, "WINDOW", window.pos()).epochMs();
  }

  /**
   * Whether the window starting at {@code start} is closed to a row, given the greatest window
   * time {@code seenMs} that came before it in the row's input partition (Long.MIN_VALUE: none).
   * Watermarks are per partition because a partition's order is the only order the log fixes:
   * replay and live then cut the same rows, however the engine interleaves partitions.
   */
  public static boolean isLate(Node.Window window, long start, long seenMs) {
    if (!window.cutsLate()) {
      return false;
    }
    var end = start + window.sizeMs();
    // seenMs ≥ end, so the difference is exact as an unsigned number.
    return seenMs >= end && Long.compareUnsigned(seenMs - end, window.latenessMs()) >= 0;
  }

  /**
   * The starts of the windows covering {@code timeMs}, ascending: every multiple of the advance in
   * (time − size, time]. Integer arithmetic only, so replay and live agree to the millisecond.
   */
  public static long[] windowStarts(Node.Window window, long timeMs) {
    var last = Math.floorDiv(timeMs, window.advanceMs()) * window.advanceMs();
    var count = 0;
    for (var start = last; start > timeMs - window.sizeMs(); start -= window.advanceMs()) {
      count++;
    }
    var starts = new long[count];
    for (var i = 0; i < count; i++) {
      starts[count - 1 - i] = last - i * window.advanceMs();
    }
    return starts;
  }

  public static Row windowed(Node.Window window, Row row, long start) {
    return row.with("window_start", new Timestamp(start))
        .with("window_end", new Timestamp(start + window.sizeMs()));
  }
}
