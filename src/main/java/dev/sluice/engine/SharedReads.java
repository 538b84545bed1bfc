package dev.sluice.engine;

import dev.sluice.log.EventLog;
import dev.sluice.log.Record;
import dev.sluice.log.RecordView;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reads of the log shared by every view: the records of the last few reads of each partition are
 * kept, so that views following the same partition — every live view, and views backfilling side by
 * side — read and decode each record once between them. Each view still extracts the fields it
 * uses from the shared record's value.
 *
 * <p>Records are immutable; a view never changes one, so one instance serves them all.
 */
final class SharedReads {
  /** Reads kept per partition: enough for live views a few appends apart. */
  static final int CHUNKS_PER_PARTITION = 4;

  private record Chunk(long from, List<Record> records) {
    long end() {
      return from + records.size();
    }
  }

  private final EventLog log;
  private final ConcurrentHashMap<String, ArrayDeque<Chunk>> partitions = new ConcurrentHashMap<>();

  SharedReads(EventLog log) {
    this.log = log;
  }

  /**
   * Up to {@code max} records of the partition from offset {@code from} on, as {@link
   * EventLog#read} returns them; fewer when a kept read ends sooner (the caller reads again).
   */
  List<Record> read(String stream, int partition, long from, int max) {
    ArrayDeque<Chunk> chunks = partitions.computeIfAbsent(stream + '\0' + partition, k -> new ArrayDeque<>());
    // One reader at a time per partition: a second view asking for the same records waits for the
    // first one's read and takes its records instead of reading them again.
    synchronized (chunks) {
      for (Chunk chunk : chunks) {
        if (chunk.from() <= from && from < chunk.end() && chunk.records().get((int) (from - chunk.from())).offset() == from) {
          int start = (int) (from - chunk.from());
          return chunk.records().subList(start, Math.min(chunk.records().size(), start + max));
        }
      }
      List<Record> records = log.read(stream, partition, from, max);
      if (!records.isEmpty() && isDense(records, from)) {
        if (chunks.size() == CHUNKS_PER_PARTITION) {
          chunks.removeFirst();
        }
        chunks.addLast(new Chunk(from, List.copyOf(records)));
      }
      return records;
    }
  }

  /**
   * Visits up to {@code max} records of the partition from offset {@code from} on, as {@link
   * EventLog#visit} does; returns how many. Records a read kept are visited from there; otherwise
   * the log visits them in place and nothing is kept: a log that reads whole batches (the embedded
   * one) keeps its recently verified batches itself, so views reading side by side still read and
   * check each batch once, and each decodes only the fields it uses.
   */
  int visit(String stream, int partition, long from, int max, Consumer<RecordView> visitor) {
    ArrayDeque<Chunk> chunks = partitions.computeIfAbsent(stream + '\0' + partition, k -> new ArrayDeque<>());
    List<Record> kept = null;
    synchronized (chunks) {
      for (Chunk chunk : chunks) {
        if (chunk.from() <= from && from < chunk.end() && chunk.records().get((int) (from - chunk.from())).offset() == from) {
          int start = (int) (from - chunk.from());
          kept = chunk.records().subList(start, Math.min(chunk.records().size(), start + max));
          break;
        }
      }
    }
    if (kept == null) {
      // Not under the partition's lock: the visitor does a view's work, which other views need not wait for.
      return log.visit(stream, partition, from, max, visitor);
    }
    RecordView.Whole view = new RecordView.Whole();
    for (Record record : kept) {
      visitor.accept(view.at(record));
    }
    return kept.size();
  }

  /** Kept reads are found by offset arithmetic, which holds only where offsets are dense. */
  private static boolean isDense(List<Record> records, long from) {
    return records.get(0).offset() == from && records.get(records.size() - 1).offset() == from + records.size() - 1;
  }
}
