package dev.sluice.engine;

import dev.sluice.operators.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The value of a dotted field path ({@code a.b.c}) in a row, as indexes read them. */
final class FieldValues {
  private FieldValues() {}

  /** The value at {@code path}; NULL (Java null) when any step is missing or not an object. */
  static Object of(Row row, String path) {
    String[] steps = path.split("\\.");
    Object value = row.get(steps[0]);
    for (int i = 1; i < steps.length && value != null; i++) {
      value = value instanceof Map<?, ?> map ? map.get(steps[i]) : null;
    }
    return value;
  }

  /**
   * The value as text for search: a string as it is, a list as its elements' texts, NULL as
   * nothing, anything else as its JSON text.
   */
  static List<String> texts(Row row, String path) {
    List<String> out = new ArrayList<>();
    addTexts(of(row, path), out);
    return out;
  }

  private static void addTexts(Object value, List<String> out) {
    switch (value) {
      case null -> {}
      case String s -> out.add(s);
      case List<?> list -> list.forEach(v -> addTexts(v, out));
      default -> out.add(dev.sluice.operators.RowKey.of(value).toString());
    }
  }
}
