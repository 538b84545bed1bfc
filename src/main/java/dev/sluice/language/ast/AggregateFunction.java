package dev.sluice.language.ast;

import java.util.Locale;
import java.util.Optional;

/**
 * The aggregates {@code AGGREGATE} can maintain incrementally. They are a closed set, not entries
 * in the function registry, because each needs its own retractable state.
 */
public enum AggregateFunction {
  COUNT,
  SUM,
  AVG,
  MIN,
  MAX;

  public String sqlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<AggregateFunction> byName(String name) {
    for (var function : values()) {
      if (function.sqlName().equals(name)) {
        return Optional.of(function);
      }
    }
    return Optional.empty();
  }
}
