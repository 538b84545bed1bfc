package dev.sluice.log;

import java.util.List;

/**
 * One record as a read visits it ({@link EventLog#visit}), seen in place: the log may hand the same
 * instance over again for the next record, so a visitor reads what it needs during its visit and
 * keeps nothing but what it copies or asks to be built ({@link #record}, {@link #key}, {@link #id}).
 * Reading a view's aggregate from a backlog this way costs no objects per event the view does not
 * ask for.
 */
public interface RecordView {
  int partition();

  long offset();

  long timeMs();

  boolean delete();

  /**
   * The array holding the value's bytes: {@link #valueLength} of them from {@link #valueFrom}. Valid
   * only during the visit; not to be modified.
   */
  byte[] valueArray();

  int valueFrom();

  int valueLength();

  String key();

  /**
   * Whether the id is the log's generated one for this position ({@link Ids#generated}): a caller
   * may then keep the position and build the id only when it needs it.
   */
  boolean idGenerated();

  String id();

  List<String> causes();

  /** The record, built whole. */
  Record record();

  /** A view of a record already built: for logs that read records whole. */
  static Whole of(Record record) {
    return new Whole().at(record);
  }

  /** A view over a built record, moved from one record to the next by {@link #at}. */
  final class Whole implements RecordView {
    private Record record;

    public Whole at(Record record) {
      this.record = record;
      return this;
    }

    @Override
    public int partition() {
      return record.partition();
    }

    @Override
    public long offset() {
      return record.offset();
    }

    @Override
    public long timeMs() {
      return record.timeMs();
    }

    @Override
    public boolean delete() {
      return record.delete();
    }

    @Override
    public byte[] valueArray() {
      return record.value();
    }

    @Override
    public int valueFrom() {
      return 0;
    }

    @Override
    public int valueLength() {
      return record.value() == null ? 0 : record.value().length;
    }

    @Override
    public String key() {
      return record.key();
    }

    @Override
    public boolean idGenerated() {
      return false; // the id is built already: nothing is saved by keeping the position instead
    }

    @Override
    public String id() {
      return record.id();
    }

    @Override
    public List<String> causes() {
      return record.causes();
    }

    @Override
    public Record record() {
      return record;
    }
  }
}
