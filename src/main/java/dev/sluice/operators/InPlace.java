package dev.sluice.operators;

import dev.sluice.log.RecordView;
import java.util.List;
import java.util.function.Consumer;

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

  /**
   * A new holder of records read ahead, for a thread other than the view's: it does the part of
   * {@link #apply} that reads only the record (its fields, conditions, group and arguments), and
   * {@link Ahead#applyTo} does the rest on the view's thread. Null when this way cannot split its
   * work so.
   */
  default Ahead ahead() {
    return null;
  }

  /** Told of each record that touched a view key, in order. */
  @FunctionalInterface
  interface Touched {
    /** The record at {@code offset} touched the key encoded as {@code key[from, from + length)}. */
    void touched(int partition, long offset, byte[] key, int from, int length);
  }

  /**
   * One read of consecutive records of one partition, taken in on one thread ({@link #accept}, as
   * the log visits them) and applied on the view's: reused for read after read ({@link #start}).
   */
  interface Ahead extends Consumer<RecordView> {
    /** Empties it for the read of {@code partition} from {@code from} on. */
    void start(String source, int partition, long from);

    String source();

    int partition();

    /** The offset of its first record. */
    long from();

    /** How many records it holds. */
    int count();

    /** The offset of its last record; meaningful when it holds any. */
    long last();

    /**
     * Tells {@code touched} of each record it holds that touches a view key, in order: the keys
     * {@link InPlace#apply(RecordView, List)} would have returned, known once the records are read,
     * on the reading thread.
     */
    void touching(Touched touched);

    /**
     * On the view's thread, applies the records it holds, in their order, as {@link
     * InPlace#apply(RecordView, List)} would have applied them one by one; the dead letters go to
     * {@code deadLetters} in the records' order. The keys they touch are {@link #touching}'s.
     */
    void applyTo(List<DeadLetter> deadLetters);
  }
}
