package dev.sluice.kafka.cluster;

import dev.sluice.engine.ChangelogRetention;
import dev.sluice.engine.Engine;
import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.log.KafkaLog;
import java.nio.file.Path;
import java.time.Duration;

/** An instance of a cluster without an HTTP server: the engine and its membership, as serve assembles them. */
record EngineInstance(KafkaLog log, KafkaDeclarations declarations, KafkaMembership membership, Engine engine) implements AutoCloseable {
  /** Starts instance {@code name} of {@code cluster} on the test broker, its state in {@code folder}. */
  static EngineInstance start(String cluster, Path folder, String name) throws Exception {
    KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(TestKafka.bootstrapServers()).withCluster(cluster));
    KafkaDeclarations declarations = new KafkaDeclarations(log.catalog());
    KafkaMembership membership = KafkaMembership.create(log, Duration.ofSeconds(6));
    Engine engine = Engine.open(log, folder, ChangelogRetention.DEFAULT, declarations, membership);
    membership.join("http://" + name + ".invalid:1");
    return new EngineInstance(log, declarations, membership, engine);
  }

  @Override
  public void close() {
    membership.close();
    engine.close();
    declarations.close();
    log.close();
  }
}
