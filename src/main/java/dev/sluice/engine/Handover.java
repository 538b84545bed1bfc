package dev.sluice.engine;

import dev.sluice.log.EventLog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The partitions one view version reads on an instance of a cluster, and how far each must get
 * before its rows are served: when this instance takes a partition over, its state resumes from
 * the local checkpoint (the position stored with it, 0 if it never had the partition) and replays
 * the rest; until it reaches the end the partition had when it was taken, reads of its rows wait.
 */
final class Handover implements ViewTask.Assignment {
  private final Ownership ownership;
  private final EventLog log;
  private final String view;
  private final boolean divided;
  /** Where a divided view's rows come from (null for a whole view): which partition each row counts in. */
  private final Placement.Divided placement;
  /** "source/partition" → the end of the partition when this instance took it. */
  private final Map<String, Long> targets = new ConcurrentHashMap<>();

  Handover(Ownership ownership, EventLog log, String view, Placement placement) {
    this.ownership = ownership;
    this.log = log;
    this.view = view;
    this.placement = placement instanceof Placement.Divided d ? d : null;
    this.divided = this.placement != null;
  }

  /** A divided view's placement; null for a whole view. */
  Placement.Divided divided() {
    return placement;
  }

  /** Whether this instance owns the partition now, without marking it taken over (see {@link #assigned}). */
  boolean owns(String source, int partition) {
    return divided ? ownership.owns(source, partition) : ownership.ownsWhole(view);
  }

  @Override
  public boolean assigned(String source, int partition) {
    boolean owned = divided ? ownership.owns(source, partition) : ownership.ownsWhole(view);
    String key = source + "/" + partition;
    if (!owned) {
      targets.remove(key); // taken again later, it must catch up again
      return false;
    }
    targets.computeIfAbsent(key, k -> log.endOffset(source, partition));
    return true;
  }

  /** Where the state must reach in the partition before its rows are served; -1 when not owned. */
  long target(String source, int partition) {
    return targets.getOrDefault(source + "/" + partition, -1L);
  }
}
