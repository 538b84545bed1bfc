package dev.sluice.kafka.log;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
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
 *
 * <p>A read that leaves at least as many records again before the end of those known to be
 * committed also reads ahead (a reader catching up, not one at the head): one thread per
 * log ({@code sluice-kafka-readahead-<cluster>}) polls the reader's consumer and decodes the next
 * batch of the same size while the caller works on this one, and the next read takes it. Fetching,
 * parsing and decoding leave the view's thread, which on a backfill had spent a fifth of its time
 * on them. A reader's consumer is used by one thread at a time: a read waits for its reader's
 * read-ahead to finish before it touches the consumer.
 */
final class Readers implements AutoCloseable {
  /** Consumers open at most; past this, the one idle longest is moved to the partition asked for. */
  static final int READERS_MAX = 32;
  private static final Duration POLL = Duration.ofMillis(50);
  /** How long a read waits for records the log knows are committed (transaction markers in flight). */
  private static final long READ_LIMIT_MS = 30_000;
  /** Reads of fewer records than this (a lookup of one event) do not read ahead. */
  static final int READ_AHEAD_MIN = 64;
  /** {@code -Dsluice.kafka.read-ahead=false} turns reading ahead off (to measure what it brings). */
  private static final boolean READ_AHEAD = Boolean.parseBoolean(System.getProperty("sluice.kafka.read-ahead", "true"));

  private final Supplier<KafkaConsumer<byte[], byte[]>> factory;
  /** Idle readers, the one idle longest first. */
  private final ArrayDeque<Reader> idle = new ArrayDeque<>();
  private final ExecutorService ahead;
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
    /** Records decoded ahead, in offset order, all at or after {@link #next}; they come before {@link #held}. */
    final ArrayDeque<Record> ready = new ArrayDeque<>();
    /** The read-ahead running on this reader, or null. */
    CompletableFuture<Void> readingAhead;
    /** True when the last read-ahead failed: what it held is dropped, and the next read seeks and polls itself. */
    boolean aheadFailed;

    Reader(KafkaConsumer<byte[], byte[]> consumer) {
      this.consumer = consumer;
    }

    /** True when a read of {@code tp} from {@code from} can go on with what this reader holds and has asked for. */
    boolean continues(TopicPartition tp, long from) {
      if (!tp.equals(partition) || from < next) {
        return false;
      }
      if (!ready.isEmpty()) {
        return from <= ready.peekFirst().offset();
      }
      return held.isEmpty() ? from <= fetched : from <= held.peekFirst().offset();
    }

    /**
     * Waits for the read-ahead, if one runs; the consumer is this thread's afterwards. A failed
     * read-ahead is forgotten: the read goes on as without one, and fails itself if Kafka still
     * does, so the failure reaches the reader that asked, not one that borrows the consumer later.
     */
    void settle() {
      CompletableFuture<Void> running = readingAhead;
      if (running != null) {
        running.join();
        readingAhead = null;
      }
      if (aheadFailed) {
        aheadFailed = false;
        ready.clear();
        held.clear();
        next = -1;
        fetched = -1;
      }
    }

    /** One poll if nothing is held, then decodes up to {@code max} held records into {@link #ready}. */
    void readAhead(int max) {
      try {
        if (ready.size() >= max) {
          return;
        }
        if (held.isEmpty()) {
          pollOnce(next);
        }
        while (!held.isEmpty() && ready.size() < max) {
          ready.addLast(RecordFormat.decode(held.pollFirst()));
        }
      } catch (RuntimeException e) {
        aheadFailed = true;
      }
    }

    /** Polls the consumer once, keeping the partition's records at or after {@code from}. */
    void pollOnce(long from) {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL).records(partition)) {
        if (record.offset() >= from) {
          held.addLast(record);
        }
      }
      fetched = consumer.position(partition);
    }
  }

  /** @param cluster names the read-ahead thread */
  Readers(Supplier<KafkaConsumer<byte[], byte[]>> factory, String cluster) {
    this.factory = factory;
    this.ahead = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sluice-kafka-readahead-" + cluster);
      t.setDaemon(true);
      return t;
    });
  }

  /** A read that does not read ahead: a lookup, or a read whose caller knows of nothing more. */
  List<Record> read(TopicPartition tp, long from, int max) {
    return read(tp, from, max, -1);
  }

  /**
   * Up to {@code max} committed records of {@code tp} from {@code from}. The caller knows a
   * committed record exists at or after {@code from}: the read waits for it rather than mistake a
   * transaction whose markers are still being written for the end of the partition. When another
   * {@code max} records may follow before {@code knownEnd} (the end of the committed records the
   * caller knows of), they are read ahead: a reader catching up reads ahead, a reader at the head
   * (a live view) does not, and its reads stay as they were.
   */
  List<Record> read(TopicPartition tp, long from, int max, long knownEnd) {
    Reader reader = borrow(tp, from);
    boolean healthy = false;
    try {
      reader.settle();
      if (!reader.continues(tp, from)) {
        if (!tp.equals(reader.partition)) {
          reader.consumer.assign(List.of(tp));
          reader.partition = tp;
        }
        reader.consumer.seek(tp, from);
        reader.ready.clear();
        reader.held.clear();
        reader.fetched = from;
      }
      reader.next = from;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_LIMIT_MS);
      List<Record> out = new ArrayList<>(Math.min(max, Math.max(reader.ready.size() + reader.held.size(), 16)));
      while (out.isEmpty()) {
        while (!reader.ready.isEmpty() && out.size() < max) {
          out.add(reader.ready.pollFirst());
        }
        if (out.size() < max && reader.ready.isEmpty()) {
          if (out.isEmpty() && reader.held.isEmpty()) {
            reader.pollOnce(from);
          }
          while (!reader.held.isEmpty() && out.size() < max) {
            out.add(RecordFormat.decode(reader.held.pollFirst()));
          }
        }
        if (out.isEmpty() && System.nanoTime() > deadline) {
          throw new LogException(ErrorCode.LOG_FAILED,
              "Kafka returned no committed record of " + tp + " from offset " + from + " within " + READ_LIMIT_MS + " ms");
        }
      }
      reader.next = out.get(out.size() - 1).offset() + 1;
      if (READ_AHEAD && max >= READ_AHEAD_MIN && knownEnd - reader.next >= max) {
        startReadAhead(reader, max);
      }
      healthy = true;
      return out;
    } catch (KafkaException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "reading " + tp + " from Kafka failed: " + e.getMessage(), e);
    } finally {
      giveBack(reader, healthy);
    }
  }

  private void startReadAhead(Reader reader, int max) {
    synchronized (this) {
      if (closed) {
        return;
      }
      try {
        reader.readingAhead = CompletableFuture.runAsync(() -> reader.readAhead(max), ahead);
      } catch (RejectedExecutionException e) {
        // Closing: the reader is closed with the others.
      }
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
        // Only the position the caller left the reader at: what the reader holds may be changing
        // under its read-ahead. The read checks the rest once the read-ahead is done.
        if (tp.equals(r.partition) && r.next == from) {
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
    closeReader(reader);
  }

  private static void closeReader(Reader reader) {
    CompletableFuture<Void> running = reader.readingAhead;
    if (running != null) {
      running.join(); // never fails: readAhead keeps its failure
    }
    reader.consumer.close(Duration.ofSeconds(1));
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    // Read-aheads use their readers' consumers: they end (a poll waits at most POLL) before the consumers close.
    ahead.shutdown();
    try {
      ahead.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeIdle();
  }

  private synchronized void closeIdle() {
    for (Reader r : idle) {
      closeReader(r);
    }
    open -= idle.size();
    idle.clear();
  }
}
