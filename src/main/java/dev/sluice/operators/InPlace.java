package dev.sluice.operators;

import dev.sluice.log.RecordView;
import java.util.List;

/**
 * Applies one source's records to a dataflow as the log hands them over, without an {@link Input}
 * or {@link Applied} per record: what {@link Dataflow#inPlace} offers for the pipelines it can run
 * so. The view it builds is the one {@link Dataflow#apply} builds from the same records.
 */
public interface InPlace {
  /**
   * Applies one record; its dead letters go to {@code deadLetters}.
   *
   * @return the view key whose change the record held back (see {@link HeldBack}), or null when it
   *     touched none
   */
  RowKey apply(RecordView record, List<DeadLetter> deadLetters);
}
