package dev.sluice.engine;

import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.Space;
import java.util.Map;

/**
 * Where a view version's task writes the changes its dataflow produces: rows of a view, entries of
 * a secondary index, documents of a search index. The task owns the loop, the operator state and
 * the input positions; a sink only decides what a change becomes.
 */
interface RowSink {
  /**
   * Writes one change into {@code batch}, which commits it atomically with the input positions.
   *
   * @param newJson the new row as JSON (encoded once for every consumer of the change); null when
   *     the change removes the row
   * @return how the number of rows the version holds changed
   */
  long write(Batch batch, ViewChange change, byte[] newJson);

  /**
   * Once, before the first read: the space's committed state reflects {@code positions}, and its
   * changelog holds {@code changes} changes (its head position).
   */
  default void recover(Space space, Map<String, long[]> positions, long changes) {}

  /**
   * Right after a batch committed, before its positions are published: what the sink hands on
   * from here is in place before a read that waits for those positions looks.
   */
  default void batchCommitted() {}

  /**
   * After a batch moved the committed positions to {@code positions} and the changelog's head to
   * {@code changes}; {@code idle}: nothing is pending.
   */
  default void committed(Map<String, long[]> positions, long changes, boolean idle) {}

  /** When the task is asked to stop, before its thread ends: a sink that may block should not. */
  default void stopping() {}

  /** When the task stops: releases what the sink holds open. */
  default void close() {}

  /** When the version is dropped or replaced, after {@link #close}: deletes what lives outside the space. */
  default void destroy() {}

  /** A view's rows: the row under its key. */
  RowSink VIEW_ROWS = (batch, change, newJson) -> {
    byte[] key = Keys.row(change.key().bytes());
    if (newJson == null) {
      batch.delete(key);
      return -1;
    }
    batch.put(key, newJson);
    return change.oldRow() == null ? 1 : 0;
  };
}
