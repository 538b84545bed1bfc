package dev.sluice.language;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Suggestions for names the user probably mistyped: "unknown field custmer_id — did you mean …".
 */
public final class Hints {
  private Hints() {}

  /**
   * The candidate closest to {@code given}, ignoring case, if it is close enough to be a likely
   * typo: about one edit per three characters, and never a candidate that shares nothing with it.
   * Ties go to the alphabetically first, so the hint is the same on every run.
   */
  public static Optional<String> didYouMean(String given, Collection<String> candidates) {
    var needle = given.toLowerCase(Locale.ROOT);
    var allowed = Math.max(1, needle.length() / 3);
    String best = null;
    var bestDistance = Integer.MAX_VALUE;
    for (var candidate : candidates) {
      var lower = candidate.toLowerCase(Locale.ROOT);
      if (candidate.equals(given)) {
        continue;
      }
      var distance = distance(needle, lower);
      var plausible = distance <= allowed && distance < Math.min(needle.length(), lower.length());
      var better =
          distance < bestDistance || (distance == bestDistance && candidate.compareTo(best) < 0);
      if (plausible && better) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
   * neighbours each cost one, which is how people mistype.
   */
  static int distance(String a, String b) {
    var d = new int[a.length() + 1][b.length() + 1];
    for (var i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (var j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (var i = 1; i <= a.length(); i++) {
      for (var j = 1; j <= b.length(); j++) {
        var cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
