package dev.sluice.cli;

import java.io.PrintStream;

/** One line on stderr, rewritten in place, saying how far a long append has come. */
final class Progress {
  private static final long INTERVAL_NS = 250_000_000L;

  private final PrintStream err;
  private final long startedNs = System.nanoTime();
  private long shownNs;
  private boolean shown;

  Progress(PrintStream err) {
    this.err = err;
  }

  long elapsedNs() {
    return System.nanoTime() - startedNs;
  }

  /** Shows the count after the first batch, then at most four times a second. */
  void update(long events) {
    long now = System.nanoTime();
    if (shown && now - shownNs < INTERVAL_NS) {
      return;
    }
    err.print("\rappended " + events + " events (" + perSecond(events, now - startedNs) + "/s)");
    err.flush();
    shown = true;
    shownNs = now;
  }

  /** Ends the progress line, so that what follows starts on a line of its own. */
  void finish() {
    if (shown) {
      err.println();
      shown = false;
    }
  }

  static long perSecond(long events, long elapsedNs) {
    return elapsedNs <= 0 ? 0 : events * 1_000_000_000L / elapsedNs;
  }
}
