package dev.sluice.log;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The system of record: named, partitioned, totally ordered streams of events.
 *
 * <p>The contract, which every implementation passes in {@code EventLogContract}:
 *
 * <ul>
 *   <li>An event goes to partition {@link Partitioner#partition(String, int)} of its key; offsets
 *       in a partition strictly increase and are never reused. The embedded log's are dense from
 *       0; Kafka's have gaps where transaction markers sit, so readers go on from the last offset
 *       read plus one, never from a count of events.
 *   <li>{@link #append} is atomic: every event of the call is appended, or none is — across
 *       partitions too. It completes only once the events are durable (fsynced, or replicated with
 *       acks=all); from then on every reader sees them, at the returned positions, forever.
 *   <li>An {@code _id} already in the stream (within the dedup window) is not appended again; its
 *       position is returned with {@code duplicate = true}. A repeated id within one call is a
 *       duplicate of its first occurrence.
 *   <li>Readers see only durable events, in offset order, and never an event that fails
 *       verification: a damaged partition raises {@link ErrorCode#CORRUPT_PARTITION} instead.
 * </ul>
 */
public interface EventLog extends AutoCloseable {

  /**
   * Declares a stream. Creating one that exists fails with {@link ErrorCode#STREAM_EXISTS}, unless
   * {@code ifNotExists} and the declaration is the same.
   */
  StreamSpec create(StreamSpec spec, boolean ifNotExists);

  Optional<StreamSpec> stream(String name);

  List<StreamSpec> streams();

  StreamStats stats(String stream);

  /**
   * Appends events atomically and durably. Validation failures (unknown stream, size limits) throw
   * {@link LogException} at once and append nothing; I/O failures complete the future
   * exceptionally, also with nothing appended. The log may read the events' value arrays until the
   * future completes: the caller does not change them before then.
   */
  CompletableFuture<AppendResult> append(String stream, List<Event> events);

  /** Up to {@code maxRecords} records of one partition from offset {@code from}, in offset order. */
  List<Record> read(String stream, int partition, long from, int maxRecords);

  /**
   * Visits the records {@link #read} would return, in offset order, each seen in place through a
   * {@link RecordView} that is valid only during its visit; returns how many were visited. A log
   * that reads whole batches implements it without building a record per event; the default builds
   * them with {@link #read}.
   */
  default int visit(String stream, int partition, long from, int maxRecords, Consumer<RecordView> visitor) {
    List<Record> records = read(stream, partition, from, maxRecords);
    RecordView.Whole view = new RecordView.Whole();
    for (Record record : records) {
      visitor.accept(view.at(record));
    }
    return records.size();
  }

  /**
   * One past the offset of the last event of the partition: every event below it is readable. The
   * next event gets this offset or a later one.
   */
  long endOffset(String stream, int partition);

  /**
   * Where the event with operation id {@code id} landed, if the log still knows: ids it generated
   * ({@code @P.O}) name their position; client ids are found within the dedup window by logs that
   * index them (the default knows only generated ids). Only durable positions are returned.
   */
  default Optional<Position> locate(String stream, String id) {
    long[] generated = Ids.parseGenerated(id);
    StreamSpec spec = stream(stream).orElseThrow(() -> new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + stream + "'"));
    if (generated == null || generated[0] >= spec.partitions() || generated[1] >= endOffset(stream, (int) generated[0])) {
      return Optional.empty();
    }
    return Optional.of(new Position((int) generated[0], generated[1], false));
  }

  /** Completes once {@code endOffset(stream, partition) > offset}. */
  CompletableFuture<Void> awaitRecord(String stream, int partition, long offset);

  @Override
  void close();
}
