package dev.sluice.kafka.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.constraints.Constraint;
import dev.sluice.constraints.SharedConstraints;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.kafka.log.RecordFormat;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Position;
import dev.sluice.log.StreamSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The writer of one claims partition's decisions on Kafka (docs/kafka.md "Constraints on a
 * cluster"): a transactional producer whose id, {@code <cluster>.<constraint>.claims-<p>}, is the
 * same on every instance, so that the new owner's {@code initTransactions} fences the old owner's
 * producer (its commit then fails) and settles what it left open. What the old owner committed is
 * then in the log: the last decision in the decisions topic's partition {@code p} (the decisions of
 * claims partition {@code p} are keyed as the claims, so they land there) names the last claim
 * decided.
 */
final class KafkaClaimsWriter implements SharedConstraints.Writer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SEND_LIMIT_S = 60;
  private static final Duration POLL = Duration.ofMillis(200);
  private static final long READ_LIMIT_MS = 30_000;

  private final KafkaLog log;
  private final Constraint constraint;
  private final int partition;
  private final String transactionalId;
  private KafkaProducer<byte[], byte[]> producer;

  KafkaClaimsWriter(KafkaLog log, Constraint constraint, int partition) {
    this.log = log;
    this.constraint = constraint;
    this.partition = partition;
    this.transactionalId = transactionalId(log.options().cluster(), constraint.name(), partition);
  }

  /** {@code <cluster>.<constraint>.claims-<p>}: the same on every instance. */
  static String transactionalId(String cluster, String constraint, int partition) {
    return cluster + "." + constraint + ".claims-" + partition;
  }

  @Override
  public long open() {
    Properties p = new Properties();
    KafkaLog.Options options = log.options();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(options.eventBytesMax() + 64 * 1024));
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(options.transactionTimeout().toMillis()));
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-" + options.cluster() + "-" + constraint.name() + "-claims-" + partition);
    p.putAll(options.clientOverrides());
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    try {
      producer.initTransactions();
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      throw new SharedConstraints.Fenced("another instance opened " + transactionalId + " meanwhile", e);
    }
    return lastDecided();
  }

  /** The claim offset the last decision in decisions partition {@code p} names; -1 when there is none. */
  private long lastDecided() {
    String topic = KafkaLog.streamTopic(log.options().cluster(), constraint.decisionsStream());
    byte[][] last = {null};
    long at = lastRecord(log, new TopicPartition(topic, partition), value -> {
      last[0] = value;
      return true;
    });
    return at < 0 ? -1 : claimOffset(last[0]);
  }

  /**
   * The offset of the last committed record of {@code tp} whose value {@code which} accepts, read
   * with a consumer of its own from the last stable offset backwards; -1 when there is none.
   */
  static long lastRecord(KafkaLog log, TopicPartition tp, java.util.function.Predicate<byte[]> which) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, log.options().bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-" + log.options().cluster() + "-last-" + tp);
    p.putAll(log.options().clientOverrides());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToEnd(List.of(tp));
      long end = consumer.position(tp); // read_committed: the last stable offset
      long deadline = System.currentTimeMillis() + READ_LIMIT_MS;
      // Read back from the end in growing steps: the tail of the partition is commit markers and
      // the last transactions' records.
      for (long step = 64; ; step *= 4) {
        long from = Math.max(0, end - step);
        consumer.seek(tp, from);
        long last = -1;
        while (consumer.position(tp) < end) {
          if (System.currentTimeMillis() > deadline) {
            throw new LogException(ErrorCode.LOG_FAILED, "reading " + tp + " back from its end took over " + READ_LIMIT_MS + " ms");
          }
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
            if (r.offset() < end && which.test(r.value())) {
              last = r.offset();
            }
          }
        }
        if (last >= 0 || from == 0) {
          return last;
        }
      }
    }
  }

  private long claimOffset(byte[] decision) {
    try {
      JsonNode claim = JSON.readTree(decision).path("claim");
      if (claim.path("partition").asInt(-1) != partition) {
        throw new IllegalStateException("the decisions partition " + partition + " of '" + constraint.name()
            + "' holds a decision of claims partition " + claim.path("partition"));
      }
      return claim.path("offset").asLong();
    } catch (IOException e) {
      throw new IllegalStateException("a decision of '" + constraint.name() + "' is not JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public void begin() {
    try {
      producer.beginTransaction();
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      throw new SharedConstraints.Fenced("the writer of " + transactionalId + " was fenced by a newer owner", e);
    }
  }

  @Override
  public List<Position> append(String stream, List<Event> events) {
    StreamSpec spec = log.stream(stream).orElseThrow(() -> new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + stream + "'"));
    String topic = KafkaLog.streamTopic(log.options().cluster(), stream);
    long now = System.currentTimeMillis();
    List<Future<RecordMetadata>> sends = new ArrayList<>(events.size());
    try {
      for (Event e : events) {
        int p = Partitioner.partition(e.key(), spec.partitions());
        sends.add(producer.send(RecordFormat.encode(topic, p, e, e.timeMs() == null ? now : e.timeMs())));
      }
      List<Position> positions = new ArrayList<>(events.size());
      for (Future<RecordMetadata> send : sends) {
        RecordMetadata m = send.get(SEND_LIMIT_S, TimeUnit.SECONDS);
        positions.add(new Position(m.partition(), m.offset(), false));
      }
      return positions;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed("interrupted", e);
    } catch (ExecutionException e) {
      throw failed("sending to " + topic + " failed", e.getCause());
    } catch (TimeoutException e) {
      throw failed("sending to " + topic + " took over " + SEND_LIMIT_S + " s", e);
    } catch (KafkaException e) {
      throw failed("sending to " + topic + " failed", e);
    }
  }

  @Override
  public void commit() {
    try {
      producer.commitTransaction();
    } catch (KafkaException e) {
      throw failed("committing failed", e);
    }
  }

  /** Aborts what is open (unless fenced: then the new owner's start has aborted it) and says why. */
  private RuntimeException failed(String what, Throwable cause) {
    if (cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException) {
      return new SharedConstraints.Fenced("the writer of " + transactionalId + " was fenced by a newer owner", cause);
    }
    try {
      producer.abortTransaction();
    } catch (KafkaException abort) {
      if (abort instanceof ProducerFencedException || abort instanceof InvalidProducerEpochException) {
        return new SharedConstraints.Fenced("the writer of " + transactionalId + " was fenced by a newer owner", abort);
      }
      // The transaction times out on the broker instead; the processor stops and starts afresh.
    }
    return new LogException(ErrorCode.LOG_FAILED, transactionalId + ": " + what + ": " + cause, cause);
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
