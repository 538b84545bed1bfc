package dev.sluice.kafka.cluster;

import dev.sluice.engine.ChangelogRetention;
import dev.sluice.engine.Engine;
import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.nio.file.Path;
import java.time.Duration;

/** An instance of a cluster in the test's JVM, assembled as {@code sluice serve --backend kafka} assembles one. */
final class InProcessInstance implements AutoCloseable {
  private final KafkaLog log;
  private final KafkaDeclarations declarations;
  private final KafkaMembership membership;
  private final Engine engine;
  private final SluiceServer server;
  final String url;

  InProcessInstance(String cluster, Path dir, Duration sessionTimeout) throws Exception {
    log = KafkaLog.open(KafkaLog.Options.defaults(TestKafka.bootstrapServers()).withCluster(cluster));
    declarations = new KafkaDeclarations(log.catalog());
    membership = KafkaMembership.create(log, sessionTimeout);
    engine = Engine.open(log, dir, ChangelogRetention.DEFAULT, declarations, membership);
    server = SluiceServer.start(log, engine, Config.defaults().withPort(0));
    url = "http://127.0.0.1:" + server.port();
    membership.join(url);
  }

  @Override
  public void close() {
    membership.close();
    server.stop();
    engine.close();
    declarations.close();
    log.close();
  }
}
