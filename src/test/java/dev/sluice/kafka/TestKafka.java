package dev.sluice.kafka;

import dev.sluice.kafka.broker.KafkaBroker;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Kafka broker for every test class of a test JVM that needs one: a start costs 10-20 s on two
 * busy cores, so classes share it and keep apart by cluster name ({@link #newCluster}). The broker
 * stops when the JVM exits (KafkaBroker's exit hook).
 */
public final class TestKafka {
  private static final AtomicInteger CLUSTERS = new AtomicInteger();
  private static KafkaBroker broker;

  private TestKafka() {}

  public static synchronized String bootstrapServers() throws Exception {
    if (broker == null) {
      broker = KafkaBroker.startTemporary();
    }
    return broker.bootstrapServers();
  }

  /** A cluster name no other test of this JVM uses. */
  public static String newCluster(String prefix) {
    return prefix + CLUSTERS.incrementAndGet();
  }
}
