package dev.sluice.engine;

import java.util.Map;
import java.util.Optional;

/**
 * Which part of the views' work this instance does, when several instances share a log
 * (docs/deploy-kafka.md): the partitions whose divided views' rows it maintains, and the whole
 * views it runs. Ownership changes while the engine runs; each view's task asks before every read.
 */
public interface Ownership {
  /** One instance alone: it owns everything. */
  Ownership ALL = new Ownership() {
    @Override
    public boolean owns(String stream, int partition) {
      return true;
    }

    @Override
    public boolean ownsWhole(String view) {
      return true;
    }

    @Override
    public Optional<String> ownerOf(String stream, int partition) {
      return Optional.empty();
    }

    @Override
    public Optional<String> wholeOwnerOf(String view) {
      return Optional.empty();
    }

    @Override
    public Map<String, Object> describe() {
      return Map.of();
    }
  };

  /** Whether this instance maintains the rows of divided views that derive from {@code stream}'s {@code partition}. */
  boolean owns(String stream, int partition);

  /** Whether this instance runs the whole view {@code view}. */
  boolean ownsWhole(String view);

  /** The base URL of the instance that owns the partition; empty when this one does or none does now. */
  Optional<String> ownerOf(String stream, int partition);

  /** The base URL of the instance that runs the whole view; empty when this one does or none does now. */
  Optional<String> wholeOwnerOf(String view);

  /** This instance's part in the cluster, for {@code /status}. */
  Map<String, Object> describe();

  /**
   * The division of the work this instance last took part in: the same number on every instance
   * that agrees on who owns what, and a new one at every change (a subscription through several
   * instances resumes exactly only within one; docs/deploy-kafka.md).
   */
  default long generation() {
    return 0;
  }

  /** The base URLs of the instances the cluster has now, this one included; empty on one instance alone. */
  default java.util.Set<String> members() {
    return java.util.Set.of();
  }

  /** The base URL the other instances reach this one at; empty on one instance alone. */
  default String self() {
    return "";
  }
}
