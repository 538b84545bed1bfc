package dev.sluice.kafka.log;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
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
 */
final class Readers implements AutoCloseable {
  /** Consumers kept idle; more are made under load and closed when returned past this. */
  private static final int IDLE_MAX = 8;
  private static final Duration POLL = Duration.ofMillis(50);
  /** How long a read waits for records the log knows are committed (transaction markers in flight). */
  private static final long READ_LIMIT_MS = 30_000;

  private final Supplier<KafkaConsumer<byte[], byte[]>> factory;
  private final ArrayDeque<Reader> idle = new ArrayDeque<>();
  private boolean closed;

  private static final class Reader {
    final KafkaConsumer<byte[], byte[]> consumer;
    TopicPartition partition;
    long position = -1;

    Reader(KafkaConsumer<byte[], byte[]> consumer) {
      this.consumer = consumer;
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
      if (reader.partition == null || !reader.partition.equals(tp)) {
        reader.consumer.assign(List.of(tp));
        reader.partition = tp;
        reader.position = -1;
      }
      if (reader.position != from) {
        reader.consumer.seek(tp, from);
      }
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_LIMIT_MS);
      List<Record> out = new ArrayList<>();
      while (out.isEmpty()) {
        Iterator<ConsumerRecord<byte[], byte[]>> it = reader.consumer.poll(POLL).records(tp).iterator();
        while (it.hasNext() && out.size() < max) {
          ConsumerRecord<byte[], byte[]> record = it.next();
          if (record.offset() >= from) {
            out.add(RecordFormat.decode(record));
          }
        }
        if (out.isEmpty() && System.nanoTime() > deadline) {
          throw new LogException(ErrorCode.LOG_FAILED,
              "Kafka returned no committed record of " + tp + " from offset " + from + " within " + READ_LIMIT_MS + " ms");
        }
      }
      long next = out.get(out.size() - 1).offset() + 1;
      if (reader.consumer.position(tp) != next) {
        // More came back than asked for: the next read starts right after what was returned.
        reader.consumer.seek(tp, next);
      }
      reader.position = next;
      healthy = true;
      return out;
    } catch (KafkaException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "reading " + tp + " from Kafka failed: " + e.getMessage(), e);
    } finally {
      giveBack(reader, healthy);
    }
  }

  private synchronized Reader borrow(TopicPartition tp, long from) {
    if (closed) {
      throw new LogException(ErrorCode.LOG_FAILED, "the Kafka log is closed");
    }
    Iterator<Reader> it = idle.iterator();
    while (it.hasNext()) {
      Reader r = it.next();
      if (tp.equals(r.partition) && r.position == from) {
        it.remove();
        return r;
      }
    }
    Reader r = idle.pollLast();
    return r != null ? r : new Reader(factory.get());
  }

  private void giveBack(Reader reader, boolean healthy) {
    synchronized (this) {
      if (healthy && !closed && idle.size() < IDLE_MAX) {
        idle.addLast(reader);
        return;
      }
    }
    reader.consumer.close(Duration.ofSeconds(1));
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (Reader r : idle) {
      r.consumer.close(Duration.ofSeconds(1));
    }
    idle.clear();
  }
}
