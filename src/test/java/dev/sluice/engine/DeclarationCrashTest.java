package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.cluster.KafkaDeclarations;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Declaring views on Kafka under kill -9: a child JVM ({@link DeclarationCrashWorker}) creates,
 * replaces and drops views and is SIGKILLed at a random moment, round after round, restarting on
 * its folder. After each round, the restarted folder and a fresh instance agree on the views, and
 * those are what was acknowledged — the one statement in flight at the kill either took effect
 * everywhere or nowhere.
 */
@Tag("kafka")
class DeclarationCrashTest {
  /** One round in CI (a child JVM start and three instance starts on Kafka cost tens of seconds); more with -Dsluice.declcrash.rounds=N. */
  private static final int ROUNDS = Integer.getInteger("sluice.declcrash.rounds", 1);

  @TempDir Path tmp;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** Views by name → version, as one instance runs them once it has applied the catalog. */
  private static Map<String, Long> views(String bootstrap, String cluster, Path dir) throws Exception {
    try (KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(bootstrap).withCluster(cluster));
        KafkaDeclarations declarations = new KafkaDeclarations(log.catalog());
        Engine engine = Engine.open(log, dir, ChangelogRetention.DEFAULT, declarations, Ownership.ALL)) {
      Map<String, Long> out = new TreeMap<>();
      engine.views().forEach(v -> out.put(v.name(), v.replacing() != null ? v.replacing().version() : v.version()));
      return out;
    }
  }

  @Test
  void theViewsAcknowledgedBeforeAKillAreTheViewsEveryInstanceRunsAfterIt() throws Exception {
    String bootstrap = TestKafka.bootstrapServers();
    String cluster = TestKafka.newCluster("declcrash");
    try (KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(bootstrap).withCluster(cluster))) {
      log.create(new StreamSpec("orders", StreamKind.STREAM, "customer", 2), false);
    }
    Random random = new Random(20_261_202L);
    Path worker = tmp.resolve("worker");
    Map<String, Long> acknowledged = new TreeMap<>();
    int next = 0;
    for (int round = 0; round < ROUNDS; round++) {
      List<String> acks = ChildJvm.runAndKill(timer, tmp.resolve("round-" + round + ".err"), false, 2 + random.nextInt(6), 120,
          DeclarationCrashWorker.class, bootstrap, cluster, worker.toString(), String.valueOf(next));
      for (String ack : acks) {
        for (String part : ack.split(" ")) {
          if (part.startsWith("-")) {
            acknowledged.remove(part.substring(1));
          } else if (part.endsWith("@2")) {
            acknowledged.put(part.substring(0, part.length() - 2), 2L);
          } else {
            acknowledged.put(part, 1L);
          }
        }
      }
      next += acks.size() + 3; // past the statement in flight: each round declares names of its own
      next += (3 - next % 3) % 3;

      Map<String, Long> restarted = views(bootstrap, cluster, worker);
      Map<String, Long> fresh = views(bootstrap, cluster, tmp.resolve("fresh-" + round));
      assertThat(restarted).as("round %d: the killed instance's folder, restarted, and a fresh instance", round).isEqualTo(fresh);
      Map<String, Long> extra = new TreeMap<>(fresh);
      acknowledged.keySet().forEach(extra::remove);
      assertThat(extra.size()).as("round %d: beyond what was acknowledged, at most the statement in flight: %s", round, extra).isLessThanOrEqualTo(1);
      for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
        assertThat(fresh).as("round %d: acknowledged %s", round, e).containsKey(e.getKey());
        assertThat(fresh.get(e.getKey())).as("round %d: version of %s", round, e.getKey()).isGreaterThanOrEqualTo(e.getValue());
      }
      acknowledged.clear();
      acknowledged.putAll(fresh); // what the next round starts from
    }
  }
}
