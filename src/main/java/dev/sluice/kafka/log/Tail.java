package dev.sluice.kafka.log;

import dev.sluice.log.StreamSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * One thread per instance that follows the catalog topic and every partition of every stream,
 * read_committed, from the beginning: it registers streams as they are declared (by any
 * instance), builds each stream's dedup index from the records themselves, and learns where the
 * committed records of each partition end, waking readers waiting for them. Everything it knows is
 * derived from the topics, so a restart or another instance rebuilds the same state.
 */
final class Tail implements Runnable {
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration POSITION_LIMIT = Duration.ofSeconds(30);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final TopicPartition catalog;
  private final String cluster;
  private final ConcurrentHashMap<String, StreamState> streams;
  private final CatalogTopic others;
  private final Map<String, StreamState> byTopic = new HashMap<>();
  /** Per partition of a stream not yet ready: the end it must reach first. */
  private final Map<TopicPartition, Long> readyTargets = new HashMap<>();
  private final Set<TopicPartition> assigned = new HashSet<>();
  private final Thread thread;
  private final Object catalogProgress = new Object();
  private volatile long catalogScanned;
  private volatile boolean running = true;
  private volatile RuntimeException failure;

  Tail(KafkaConsumer<byte[], byte[]> consumer, String cluster, ConcurrentHashMap<String, StreamState> streams, CatalogTopic others) {
    this.consumer = consumer;
    this.others = others;
    this.cluster = cluster;
    this.catalog = new TopicPartition(KafkaLog.catalogTopic(cluster), 0);
    this.streams = streams;
    this.thread = new Thread(this, "sluice-kafka-tail-" + cluster);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    try {
      assigned.add(catalog);
      consumer.assign(assigned);
      consumer.seekToBeginning(List.of(catalog));
      while (running) {
        try {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
            if (record.topic().equals(catalog.topic())) {
              declare(record);
            } else {
              follow(record);
            }
          }
          advance();
        } catch (RetriableException e) {
          // The broker is away for a while (a restart, a leader moving): the client reconnects and
          // the next poll goes on where this one stopped; readers wait meanwhile.
          System.err.println("sluice: following the Kafka topics: " + e.getMessage() + "; retrying");
        }
      }
    } catch (WakeupException closing) {
      // close() woke the poll
    } catch (RuntimeException e) {
      failure = e;
      synchronized (catalogProgress) {
        catalogProgress.notifyAll();
      }
      streams.values().forEach(s -> s.ready.completeExceptionally(e));
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void declare(ConsumerRecord<byte[], byte[]> record) {
    StreamSpec spec;
    try {
      spec = CatalogEntry.stream(record.key(), record.value());
    } catch (IllegalStateException unreadable) {
      System.err.println("sluice: skipping catalog record at offset " + record.offset() + ": " + unreadable.getMessage());
      return;
    }
    if (spec == null) {
      others.received(record.key(), record.value(), record.offset());
      return;
    }
    if (streams.containsKey(spec.name())) {
      return; // the first declaration of a name wins; create() never writes a second one
    }
    StreamState state = new StreamState(spec, KafkaLog.streamTopic(cluster, spec.name()));
    byTopic.put(state.topic, state);
    List<TopicPartition> added = new ArrayList<>();
    for (int p = 0; p < spec.partitions(); p++) {
      added.add(new TopicPartition(state.topic, p));
    }
    assigned.addAll(added);
    consumer.assign(assigned);
    consumer.seekToBeginning(added);
    streams.put(spec.name(), state); // not ready yet: callers wait for the tail to read it
    Map<TopicPartition, Long> ends = null;
    while (ends == null && running) {
      try {
        ends = consumer.endOffsets(added, POSITION_LIMIT);
      } catch (RetriableException e) {
        System.err.println("sluice: reading the ends of " + state.topic + ": " + e.getMessage() + "; retrying");
      }
    }
    if (ends == null) {
      return;
    }
    ends.forEach((tp, end) -> {
      if (end > 0) {
        readyTargets.put(tp, end);
      }
    });
    if (ends.values().stream().allMatch(end -> end == 0)) {
      state.ready.complete(null);
    }
  }

  private void follow(ConsumerRecord<byte[], byte[]> record) {
    StreamState state = byTopic.get(record.topic());
    String id = RecordFormat.clientId(record);
    if (id != null) {
      state.indexId(id, record.partition(), record.offset());
    }
    state.counted(RecordFormat.sizeBytes(record));
    state.committed(record.partition(), record.offset());
  }

  /** Publishes how far each partition is read (past transaction markers too). */
  private void advance() {
    long catalogAt = consumer.position(catalog, POSITION_LIMIT);
    Set<StreamState> touched = new HashSet<>();
    for (TopicPartition tp : assigned) {
      if (tp.equals(catalog)) {
        continue;
      }
      StreamState state = byTopic.get(tp.topic());
      long position = consumer.position(tp, POSITION_LIMIT);
      state.scannedTo(tp.partition(), position);
      Long target = readyTargets.get(tp);
      if (target != null && position >= target) {
        readyTargets.remove(tp);
        touched.add(state);
      }
    }
    for (StreamState state : touched) {
      boolean all = true;
      for (int p = 0; p < state.spec.partitions(); p++) {
        all &= !readyTargets.containsKey(new TopicPartition(state.topic, p));
      }
      if (all) {
        state.ready.complete(null);
      }
    }
    if (catalogAt != catalogScanned) {
      synchronized (catalogProgress) {
        catalogScanned = catalogAt;
        catalogProgress.notifyAll();
      }
    }
  }

  /** Waits until the catalog is read past {@code offset}; false at the deadline. */
  boolean awaitCatalog(long offset, long deadlineNanos) throws InterruptedException {
    synchronized (catalogProgress) {
      while (catalogScanned <= offset) {
        if (failure != null) {
          throw failure;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        catalogProgress.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  RuntimeException failure() {
    return failure;
  }

  void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
