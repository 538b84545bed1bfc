package dev.sluice.engine;

/** Where a view version is in its life. */
public enum ViewState {
  /** Reading history; not yet caught up with every partition once. */
  BUILDING,
  /** Caught up; following the log as it grows. */
  LIVE,
  /** Stopped by an error it cannot get past (the status says which). */
  FAILED;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
