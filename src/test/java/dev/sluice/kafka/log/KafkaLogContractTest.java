package dev.sluice.kafka.log;

import dev.sluice.kafka.TestKafka;
import dev.sluice.log.EventLog;
import dev.sluice.log.EventLogContract;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** The log contract against a real Kafka broker: one broker for the class, one cluster name per test. */
@Tag("kafka")
class KafkaLogContractTest extends EventLogContract {
  static String bootstrap;
  private String cluster;

  @BeforeAll
  static void startBroker() throws Exception {
    bootstrap = TestKafka.bootstrapServers();
  }

  @Override
  protected EventLog newLog() {
    cluster = TestKafka.newCluster("contract");
    return KafkaLog.open(KafkaLog.Options.defaults(bootstrap).withCluster(cluster));
  }

  @Override
  protected EventLog reopen(EventLog log) {
    log.close();
    return KafkaLog.open(KafkaLog.Options.defaults(bootstrap).withCluster(cluster));
  }

  @Override
  protected boolean denseOffsets() {
    return false;
  }
}
