package dev.sluice.engine;

import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.EventLog;
import org.junit.jupiter.api.Tag;

/** Every view test of {@link EngineTest}, unchanged, on the Kafka log (a real broker, a cluster name per test). */
@Tag("kafka")
class EngineOnKafkaTest extends EngineTest {
  private String cluster;

  @Override
  EventLog openLog() {
    try {
      if (cluster == null) {
        cluster = TestKafka.newCluster("engine");
      }
      return KafkaLog.open(KafkaLog.Options.defaults(TestKafka.bootstrapServers()).withCluster(cluster));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the test broker", e);
    }
  }
}
