package dev.sluice.language.ast;

import java.util.Locale;
import java.util.Optional;

/** Units of an {@code INTERVAL} literal; windows and lateness are measured in them. */
public enum IntervalUnit {
  MILLISECOND(1),
  SECOND(1_000),
  MINUTE(60_000),
  HOUR(3_600_000),
  DAY(86_400_000);

  private final long millis;

  IntervalUnit(long millis) {
    this.millis = millis;
  }

  public long millis() {
    return millis;
  }

  /** The unit for a word as written, singular or plural, in any case. */
  public static Optional<IntervalUnit> byWord(String word) {
    var upper = word.toUpperCase(Locale.ROOT);
    for (var unit : values()) {
      if (upper.equals(unit.name()) || upper.equals(unit.name() + "S")) {
        return Optional.of(unit);
      }
    }
    return Optional.empty();
  }
}
