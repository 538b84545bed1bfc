package dev.sluice.engine;

import java.time.Duration;

/**
 * How long a view keeps its changelog: a change is trimmed once it is older than {@code age} or once
 * more than {@code changes} newer changes follow it, whichever comes first. A subscriber that resumes
 * from a trimmed position gets a snapshot of the current rows instead.
 */
public record ChangelogRetention(long changes, Duration age) {
  /** 24 hours and at most a million changes per view. */
  public static final ChangelogRetention DEFAULT = new ChangelogRetention(1_000_000, Duration.ofHours(24));

  public ChangelogRetention {
    if (changes < 1) {
      throw new IllegalArgumentException("a changelog keeps at least one change, not " + changes);
    }
    if (age.isNegative() || age.isZero()) {
      throw new IllegalArgumentException("a changelog's retention is a positive duration, not " + age);
    }
  }
}
