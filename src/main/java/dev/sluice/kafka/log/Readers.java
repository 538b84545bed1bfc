package dev.sluice.kafka.log;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads for {@code EventLog.read}: a pool of read_committed consumers, each assigned one partition
 * at a time. A consumer goes back to the pool with the partition and position it stopped at, so a
 * reader that goes on where it left off (a view following a partition) finds its prefetched
 * records still there.
 *
 * <p>A view reads its partitions in turn from one thread, so the pool gives each partition a
 * consumer of its own while it can (up to {@link #READERS_MAX}) rather than moving one consumer
 * from partition to partition: a reassigned consumer drops what it had fetched, and every read
 * would then wait for a fetch round trip of its own. A consumer keeps what a poll returned beyond
 * the records asked for, and never seeks back over them, so the fetch it sent ahead (the consumer
 * asks for the next records as soon as it has handed out the last ones it held) is still good
 * when the reader comes back: the view works on one partition's records while the others' next
 * ones are on their way.
 */
final class Readers implements AutoCloseable {
  /** Consumers open at most; past this, the one idle longest is moved to the partition asked for. */
  static final int READERS_MAX = 32;
  private static final Duration POLL = Duration.ofMillis(50);
  /** How long a read waits for records the log knows are committed (transaction markers in flight). */
  private static final long READ_LIMIT_MS = 30_000;

  private final Supplier<KafkaConsumer<byte[], byte[]>> factory;
  /** Idle readers, the one idle longest first. */
  private final ArrayDeque<Reader> idle = new ArrayDeque<>();
  private int open;
  private boolean closed;

  private static final class Reader {
    final KafkaConsumer<byte[], byte[]> consumer;
    TopicPartition partition;
    /** One past the last record handed out (or where the consumer was sent): where a read goes on. */
    long next = -1;
    /** Records a poll returned beyond what was handed out, in offset order, all at or after {@link #next}. */
    final ArrayDeque<ConsumerRecord<byte[], byte[]>> held = new ArrayDeque<>();
    /**
     * The consumer's position: no committed record lies in [{@link #next}, {@code fetched}) that is
     * not held. Between the two there are only transaction markers and aborted records.
     */
    long fetched = -1;

    Reader(KafkaConsumer<byte[], byte[]> consumer) {
      this.consumer = consumer;
    }

    /** True when a read of {@code tp} from {@code from} can go on with what this reader holds and has asked for. */
    boolean continues(TopicPartition tp, long from) {
      if (!tp.equals(partition) || from < next) {
        return false;
      }
      return held.isEmpty() ? from <= fetched : from <= held.peekFirst().offset();
    }
  }

  Readers(Supplier<KafkaConsumer<byte[], byte[]>> factory) {
    this.factory = factory;
  }

  /**
   * Up to {@code max} committed records of {@code tp} from {@code from}. The caller knows a
   * committed record exists at or after {@code from}: the read waits for it rather than mistake a
   * transaction whose markers are still being written for the end of the partition.
   */
  List<Record> read(TopicPartition tp, long from, int max) {
    Reader reader = borrow(tp, from);
    boolean healthy = false;
    try {
      if (!reader.continues(tp, from)) {
        if (!tp.equals(reader.partition)) {
          reader.consumer.assign(List.of(tp));
          reader.partition = tp;
        }
        reader.consumer.seek(tp, from);
        reader.held.clear();
        reader.fetched = from;
      }
      reader.next = from;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_LIMIT_MS);
      List<Record> out = new ArrayList<>(Math.min(max, Math.max(reader.held.size(), 16)));
      while (out.isEmpty()) {
        if (reader.held.isEmpty()) {
          for (ConsumerRecord<byte[], byte[]> record : reader.consumer.poll(POLL).records(tp)) {
            if (record.offset() >= from) {
              reader.held.addLast(record);
            }
          }
          reader.fetched = reader.consumer.position(tp);
        }
        while (!reader.held.isEmpty() && out.size() < max) {
          out.add(RecordFormat.decode(reader.held.pollFirst()));
        }
        if (out.isEmpty() && System.nanoTime() > deadline) {
          throw new LogException(ErrorCode.LOG_FAILED,
              "Kafka returned no committed record of " + tp + " from offset " + from + " within " + READ_LIMIT_MS + " ms");
        }
      }
      reader.next = out.get(out.size() - 1).offset() + 1;
      healthy = true;
      return out;
    } catch (KafkaException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "reading " + tp + " from Kafka failed: " + e.getMessage(), e);
    } finally {
      giveBack(reader, healthy);
    }
  }

  /**
   * The idle reader that goes on at {@code from}; else one that last read the partition; else a new
   * consumer while fewer than {@link #READERS_MAX} are open; else the one idle longest.
   */
  private Reader borrow(TopicPartition tp, long from) {
    synchronized (this) {
      if (closed) {
        throw new LogException(ErrorCode.LOG_FAILED, "the Kafka log is closed");
      }
      Reader same = null;
      for (Reader r : idle) {
        if (r.continues(tp, from)) {
          same = r;
          break;
        }
        if (same == null && tp.equals(r.partition)) {
          same = r;
        }
      }
      if (same != null) {
        idle.remove(same);
        return same;
      }
      if (open >= READERS_MAX && !idle.isEmpty()) {
        return idle.pollFirst();
      }
      open++;
    }
    try {
      return new Reader(factory.get());
    } catch (RuntimeException e) {
      synchronized (this) {
        open--;
      }
      throw e;
    }
  }

  private void giveBack(Reader reader, boolean healthy) {
    synchronized (this) {
      if (healthy && !closed && open <= READERS_MAX) {
        idle.addLast(reader);
        return;
      }
      open--;
    }
    reader.consumer.close(Duration.ofSeconds(1));
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (Reader r : idle) {
      r.consumer.close(Duration.ofSeconds(1));
    }
    open -= idle.size();
    idle.clear();
  }
}
