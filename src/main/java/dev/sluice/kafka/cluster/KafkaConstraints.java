package dev.sluice.kafka.cluster;

import dev.sluice.constraints.Constraint;
import dev.sluice.constraints.SharedConstraints;
import dev.sluice.kafka.log.CatalogTopic;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The constraints' side of a cluster on Kafka (docs/kafka.md "Constraints on a cluster"): their
 * declarations in the catalog topic under {@code constraint:<name>}, each member's acknowledgement
 * under {@code ack:<member url>} (the catalog offset up to which it applied them), the group's
 * division of the claims partitions, and a fenced writer per claims partition.
 */
final class KafkaConstraints implements SharedConstraints {
  static final String PREFIX = "constraint:";
  static final String ACK_PREFIX = "ack:";
  private static final long WRITE_LIMIT_S = 30;
  private static final long ACK_RETRY_MS = 200;

  private final KafkaLog log;
  private final KafkaMembership membership;
  private final CatalogTopic catalog;
  /** Declarations are applied here, in catalog order: never on the log's tail thread. */
  private final ScheduledExecutorService applier = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sluice-kafka-constraints");
    t.setDaemon(true);
    return t;
  });
  /** Member URL → the catalog offset it acknowledged. */
  private final Map<String, Long> acks = new ConcurrentHashMap<>();
  private final Object acked = new Object();
  /** What this instance has applied, and what of it it has written as its acknowledgement. */
  private long applied = -1;
  private long written = -1;

  KafkaConstraints(KafkaLog log, KafkaMembership membership) {
    this.log = log;
    this.membership = membership;
    this.catalog = log.catalog();
    catalog.follow(ACK_PREFIX, this::heard).values().forEach(this::heard);
  }

  private void heard(CatalogTopic.Entry entry) {
    if (entry.value() == null) {
      return;
    }
    try {
      acks.merge(entry.key().substring(ACK_PREFIX.length()), Long.parseLong(new String(entry.value(), StandardCharsets.UTF_8)), Math::max);
    } catch (NumberFormatException e) {
      return; // not an acknowledgement Sluice wrote
    }
    synchronized (acked) {
      acked.notifyAll();
    }
  }

  @Override
  public Map<String, Declared> follow(Listener listener) {
    Map<String, Declared> now = new TreeMap<>();
    catalog.follow(PREFIX, entry -> applier.execute(() ->
        listener.declared(new Declared(entry.key().substring(PREFIX.length()), entry.value(), entry.offset()))))
        .forEach((key, entry) -> now.put(key.substring(PREFIX.length()), new Declared(key.substring(PREFIX.length()), entry.value(), entry.offset())));
    return now;
  }

  @Override
  public long declare(String name, byte[] value) {
    try {
      return catalog.put(PREFIX + name, value, WRITE_LIMIT_S);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.LOG_FAILED, "interrupted while declaring constraint '" + name + "' in the catalog topic", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot declare constraint '" + name + "' in the catalog topic: " + e.getMessage(), e);
    }
  }

  @Override
  public void acknowledge(long offset) {
    applier.execute(() -> {
      applied = Math.max(applied, offset);
      writeAck();
    });
  }

  /** On the applier: writes this member's acknowledgement once it knows its own URL (after joining). */
  private void writeAck() {
    if (applied <= written) {
      return;
    }
    String self = membership.self();
    if (self.isEmpty()) {
      applier.schedule(this::writeAck, ACK_RETRY_MS, TimeUnit.MILLISECONDS);
      return;
    }
    long offset = applied;
    try {
      catalog.put(ACK_PREFIX + self, Long.toString(offset).getBytes(StandardCharsets.UTF_8), WRITE_LIMIT_S);
      written = Math.max(written, offset);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("sluice: cannot acknowledge the constraints' catalog: " + e.getMessage() + "; trying again");
      applier.schedule(this::writeAck, ACK_RETRY_MS, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public Set<String> awaitAcknowledged(long offset, long deadlineNanos) throws InterruptedException {
    while (true) {
      Set<String> missing = new TreeSet<>();
      for (String member : membership.members()) {
        if (!member.isEmpty() && acks.getOrDefault(member, -1L) < offset) {
          missing.add(member);
        }
      }
      long left = deadlineNanos - System.nanoTime();
      if (missing.isEmpty() || left <= 0) {
        return missing;
      }
      synchronized (acked) {
        acked.wait(Math.max(1, Math.min(ACK_RETRY_MS, TimeUnit.NANOSECONDS.toMillis(left))));
      }
    }
  }

  @Override
  public long lastOffset(String stream, int partition, java.util.function.Predicate<byte[]> which) {
    return KafkaClaimsWriter.lastRecord(log, new org.apache.kafka.common.TopicPartition(KafkaLog.streamTopic(log.options().cluster(), stream), partition), which);
  }

  @Override
  public boolean owns(String claimsStream, int partition) {
    return membership.owns(claimsStream, partition);
  }

  @Override
  public Writer writer(Constraint constraint, int partition) {
    return new KafkaClaimsWriter(log, constraint, partition);
  }

  void close() {
    applier.shutdownNow();
  }
}
