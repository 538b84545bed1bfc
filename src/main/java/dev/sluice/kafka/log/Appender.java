package dev.sluice.kafka.log;

import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.Ids;
import dev.sluice.log.LogException;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Position;
import dev.sluice.log.Token;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * The one writer of an instance: a thread that takes queued append requests, decides which events
 * are duplicates, and writes all requests it took together in one Kafka transaction (group commit),
 * so that a request spanning partitions is appended whole or not at all. The producer is
 * idempotent with acks=all; readers are read_committed.
 */
final class Appender implements Runnable {
  /** Requests written in one transaction: bounds the work a single failure undoes. */
  private static final int REQUESTS_PER_TRANSACTION_MAX = 256;
  private static final long CATCH_UP_LIMIT_MS = 30_000;

  /** One append call waiting for its transaction. */
  static final class Pending {
    final StreamState stream;
    final List<Event> events;
    final CompletableFuture<AppendResult> result = new CompletableFuture<>();
    Position[] positions;
    /** Per event: the index, in this transaction's sends, of the record that holds it; -1 when none. */
    int[] sentIndex;

    Pending(StreamState stream, List<Event> events) {
      this.stream = stream;
      this.events = events;
    }
  }

  private final BlockingQueue<Pending> queue;
  private final Supplier<KafkaProducer<byte[], byte[]>> factory;
  /** Asks for the partitions' high watermarks (read_uncommitted): one round trip, metadata cached. */
  private final KafkaConsumer<byte[], byte[]> endsReader;
  private final Readers readers;
  private final Thread thread;
  private KafkaProducer<byte[], byte[]> producer;
  private volatile boolean running = true;

  Appender(int queuedMax, Supplier<KafkaProducer<byte[], byte[]>> factory, KafkaConsumer<byte[], byte[]> endsReader,
      Readers readers, String cluster) {
    this.queue = new ArrayBlockingQueue<>(queuedMax);
    this.factory = factory;
    this.endsReader = endsReader;
    this.readers = readers;
    this.thread = new Thread(this, "sluice-kafka-appender-" + cluster);
    this.thread.setDaemon(true);
  }

  void start() {
    producer = factory.get();
    producer.initTransactions();
    thread.start();
  }

  private boolean started() {
    return producer != null;
  }

  CompletableFuture<AppendResult> submit(StreamState stream, List<Event> events) {
    Pending pending = new Pending(stream, events);
    if (!running) {
      throw new LogException(ErrorCode.LOG_FAILED, "the Kafka log is closed");
    }
    if (!queue.offer(pending)) {
      throw new LogException(ErrorCode.OVERLOADED, "too many appends are waiting for Kafka; retry shortly");
    }
    return pending.result;
  }

  @Override
  public void run() {
    List<Pending> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, REQUESTS_PER_TRANSACTION_MAX - 1);
        write(batch, 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(batch, new LogException(ErrorCode.LOG_FAILED, "the Kafka log is closing; nothing was appended"));
        break;
      } catch (RuntimeException e) {
        fail(batch, e instanceof LogException le ? le
            : new LogException(ErrorCode.LOG_FAILED, "appending to Kafka failed: " + e.getMessage(), e));
      }
      batch.clear();
    }
    Pending left;
    while ((left = queue.poll()) != null) {
      left.result.completeExceptionally(new LogException(ErrorCode.LOG_FAILED, "the Kafka log closed; nothing was appended"));
    }
    producer.close(Duration.ofSeconds(5));
    endsReader.close(Duration.ofSeconds(1));
  }

  /**
   * Appends the batch in one transaction. A transaction Kafka refused before its commit was asked
   * for left nothing visible, so when the refusal was the producer's state and not the records it
   * is tried again ({@code retries} times) with a fresh transaction before the requests fail.
   */
  private void write(List<Pending> batch, int retries) throws InterruptedException {
    catchUp(batch);
    List<Pending> placed = new ArrayList<>();
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    boolean begun = false;
    boolean committing = false;
    Map<StreamState, Map<String, Integer>> idsInBatch = new HashMap<>();
    List<RecordMetadata> written = new ArrayList<>();
    try {
      for (Pending r : batch) {
        if (!place(r, idsInBatch.computeIfAbsent(r.stream, s -> new HashMap<>()), sends.size())) {
          continue;
        }
        placed.add(r);
        long now = System.currentTimeMillis();
        for (int i = 0; i < r.events.size(); i++) {
          if (r.positions[i] != null || r.sentIndex[i] < 0) {
            continue; // a duplicate of a record already in the log, or of one sent above
          }
          if (!begun) {
            producer.beginTransaction();
            begun = true;
          }
          Event e = r.events.get(i);
          int p = Partitioner.partition(e.key(), r.stream.spec.partitions());
          long time = e.timeMs() == null ? now : e.timeMs();
          sends.add(producer.send(RecordFormat.encode(r.stream.topic, p, e, time)));
        }
      }
      if (begun) {
        committing = true;
        commit();
        for (Future<RecordMetadata> send : sends) {
          written.add(send.get());
        }
      }
    } catch (ExecutionException | KafkaException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      if (begun) {
        abort(cause);
      }
      boolean unknown = committing && cause instanceof TimeoutException;
      if (!unknown && !committing && retries > 0 && producerStateRefused(cause)) {
        write(batch, retries - 1);
        return;
      }
      fail(placed, new LogException(ErrorCode.LOG_FAILED, unknown
          ? "Kafka did not confirm the transaction (" + cause + "); it may or may not be appended: resend it with the same _id values to be sure"
          : "Kafka refused the transaction (" + cause + "); nothing was appended", cause));
      return;
    }
    noteOwnTransaction(placed, written);
    for (Pending r : placed) {
      finish(r, written);
    }
  }

  /** Tells each partition written which offsets the committed transaction took (see StreamState.ownTransaction). */
  private static void noteOwnTransaction(List<Pending> placed, List<RecordMetadata> written) {
    Map<StreamState, Map<Integer, long[]>> ranges = new HashMap<>();
    for (Pending r : placed) {
      for (int i = 0; i < r.events.size(); i++) {
        if (r.positions[i] == null && r.sentIndex[i] >= 0) {
          RecordMetadata m = written.get(r.sentIndex[i]);
          ranges.computeIfAbsent(r.stream, s -> new HashMap<>())
              .merge(m.partition(), new long[] {m.offset(), m.offset()},
                  (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
      }
    }
    ranges.forEach((stream, partitions) -> partitions.forEach((p, range) -> stream.ownTransaction(p, range[0], range[1])));
  }

  /**
   * Reads the partitions this batch writes up to their end before deciding duplicates: another
   * instance may have appended an id since the tail last looked. The end is the high watermark, not
   * the last stable offset: a transaction that has committed but whose markers are not yet written
   * sits below it, and its ids count. So this waits for transactions in flight to finish.
   */
  private void catchUp(List<Pending> batch) throws InterruptedException {
    Map<TopicPartition, StreamState> states = new HashMap<>();
    for (Pending r : batch) {
      for (int p = 0; p < r.stream.spec.partitions(); p++) {
        states.put(new TopicPartition(r.stream.topic, p), r.stream);
      }
    }
    Map<TopicPartition, Long> ends;
    try {
      ends = endsReader.endOffsets(states.keySet(), Duration.ofMillis(CATCH_UP_LIMIT_MS));
    } catch (KafkaException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot read the partitions' ends from Kafka: " + e, e);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_LIMIT_MS);
    for (var e : ends.entrySet()) {
      if (!states.get(e.getKey()).awaitScanned(e.getKey().partition(), e.getValue(), deadline)) {
        throw new LogException(ErrorCode.LOG_FAILED, "reading " + e.getKey() + " up to its end took too long; nothing was appended");
      }
    }
  }

  /**
   * Marks each event of the request as a duplicate (with its original position) or as a record to
   * send, numbering the sends from {@code sendBase}. False when the request is refused.
   */
  private boolean place(Pending r, Map<String, Integer> idsInBatch, int sendBase) {
    int n = r.events.size();
    r.positions = new Position[n];
    r.sentIndex = new int[n];
    Map<String, Integer> mine = new HashMap<>();
    int next = sendBase;
    for (int i = 0; i < n; i++) {
      String id = r.events.get(i).id();
      if (id != null) {
        if (Ids.isGeneratedForm(id)) {
          long[] generated = Ids.parseGenerated(id);
          if (generated == null || !names(r.stream, generated)) {
            r.result.completeExceptionally(new LogException(ErrorCode.INVALID_ID, "event " + (i + 1) + ": _id '" + id
                + "' has the form of a generated id ('@partition.offset') but names no event of '" + r.stream.spec.name() + "'"));
            return false;
          }
          r.positions[i] = new Position((int) generated[0], generated[1], true);
          continue;
        }
        Position original = r.stream.original(id);
        if (original != null) {
          r.positions[i] = original;
          continue;
        }
        Integer earlier = mine.containsKey(id) ? mine.get(id) : idsInBatch.get(id);
        if (earlier != null) {
          r.sentIndex[i] = -1 - earlier; // a duplicate of that send: not sent again
          continue;
        }
        mine.put(id, next);
      }
      r.sentIndex[i] = next++;
    }
    idsInBatch.putAll(mine);
    return true;
  }

  /** Whether a generated id's position holds an event: Kafka offsets have gaps (transaction markers). */
  private boolean names(StreamState stream, long[] generated) {
    int p = (int) generated[0];
    long offset = generated[1];
    if (p >= stream.spec.partitions() || offset >= stream.dataEnd(p)) {
      return false;
    }
    List<dev.sluice.log.Record> at = readers.read(new TopicPartition(stream.topic, p), offset, 1);
    return !at.isEmpty() && at.get(0).offset() == offset;
  }

  private void commit() {
    try {
      producer.commitTransaction();
    } catch (TimeoutException first) {
      // The outcome is unknown until a retry of the same commit answers (KafkaProducer's contract).
      producer.commitTransaction();
    }
  }

  /** Refusals about the producer's transaction state, not about the records: worth one more try. */
  private static boolean producerStateRefused(Throwable cause) {
    return cause instanceof InvalidTxnStateException || cause instanceof ProducerFencedException
        || cause instanceof OutOfOrderSequenceException;
  }

  private void abort(Throwable cause) {
    if (cause instanceof ProducerFencedException || cause instanceof OutOfOrderSequenceException
        || cause instanceof AuthorizationException || cause instanceof UnsupportedVersionException) {
      renew();
      return;
    }
    try {
      producer.abortTransaction();
    } catch (KafkaException e) {
      renew();
    }
  }

  /** After a fatal producer error: a new producer, whose initTransactions aborts what is open. */
  private void renew() {
    producer.close(Duration.ZERO);
    producer = factory.get();
    producer.initTransactions();
  }

  private static void finish(Pending r, List<RecordMetadata> written) {
    int n = r.events.size();
    int appended = 0;
    for (int i = 0; i < n; i++) {
      if (r.positions[i] != null) {
        continue;
      }
      int index = r.sentIndex[i];
      RecordMetadata m = written.get(index >= 0 ? index : -1 - index);
      r.positions[i] = new Position(m.partition(), m.offset(), index < 0);
      if (index >= 0) {
        appended++;
        Event e = r.events.get(i);
        if (e.id() != null) {
          r.stream.indexId(e.id(), m.partition(), m.offset());
        }
        r.stream.committed(m.partition(), m.offset());
      }
    }
    long[] tokenEnds = new long[r.stream.spec.partitions()];
    for (Position p : r.positions) {
      tokenEnds[p.partition()] = Math.max(tokenEnds[p.partition()], p.offset() + 1);
    }
    r.result.complete(new AppendResult(Arrays.asList(r.positions), appended, n - appended, Token.ofEnds(r.stream.spec.name(), tokenEnds)));
  }

  private static void fail(List<Pending> requests, LogException error) {
    for (Pending r : requests) {
      r.result.completeExceptionally(error);
    }
  }

  void close() {
    running = false;
    if (!thread.isAlive() && !started()) {
      endsReader.close(Duration.ofSeconds(1)); // open() failed before the thread that owns it ran
      return;
    }
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
