package dev.sluice.engine;

import java.util.List;

/**
 * Where an operation landed and what was derived from it: its position in the log, the views whose
 * rows it changed (by key), and the events it derived, each with its own lineage.
 *
 * @param causes the ids the event names in {@code _causes} (for a derived event: its input's id)
 */
public record LineageReport(
    String stream, String id, int partition, long offset, long timeMs, List<String> causes,
    List<ViewEffect> views, List<DerivedEffect> derived) {

  /**
   * What one view made of the event.
   *
   * @param applied false while the view has not reached the event yet
   * @param keys the keys of the rows it changed, as JSON text (at most {@link Lineage#KEYS_MAX})
   * @param moreKeys rows changed beyond those listed
   */
  public record ViewEffect(String view, long version, boolean applied, List<String> keys, long moreKeys) {}

  /** An event a derived stream appended because of this one, and what followed from it. */
  public record DerivedEffect(String stream, String id, int partition, long offset, LineageReport lineage) {}
}
