package dev.sluice.kafka.log;

import dev.sluice.kafka.broker.KafkaBroker;
import dev.sluice.log.EventLog;
import dev.sluice.log.EventLogContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** The log contract against a real Kafka broker: one broker for the class, one cluster name per test. */
@Tag("kafka")
class KafkaLogContractTest extends EventLogContract {
  private static final AtomicInteger CLUSTERS = new AtomicInteger();
  static KafkaBroker kafka;
  private String cluster;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = KafkaBroker.startTemporary();
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Override
  protected EventLog newLog() {
    cluster = "contract" + CLUSTERS.incrementAndGet();
    return KafkaLog.open(KafkaLog.Options.defaults(kafka.bootstrapServers()).withCluster(cluster));
  }

  @Override
  protected EventLog reopen(EventLog log) {
    log.close();
    return KafkaLog.open(KafkaLog.Options.defaults(kafka.bootstrapServers()).withCluster(cluster));
  }

  @Override
  protected boolean denseOffsets() {
    return false;
  }
}
