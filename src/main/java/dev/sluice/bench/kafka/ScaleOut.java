package dev.sluice.bench.kafka;

import dev.sluice.bench.ViewsBench;
import dev.sluice.engine.ChangelogRetention;
import dev.sluice.engine.Engine;
import dev.sluice.engine.ViewStatus;
import dev.sluice.kafka.cluster.KafkaDeclarations;
import dev.sluice.kafka.cluster.KafkaMembership;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.stores.Folders;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The scale-out part of {@code sluice bench kafka --instances N}: for n = 1 … N, n instances of one
 * cluster (each with its own Kafka log clients, consumer-group membership and view state, in this
 * JVM, as {@code sluice serve --backend kafka} assembles one) divide the benchmark's view over the
 * topic already loaded; timed from the CREATE until the instances together have processed every
 * event. The view groups by the stream's key, so each instance maintains the rows of the
 * partitions it owns (docs/deploy-kafka.md).
 */
final class ScaleOut {
  private static final Duration SESSION = Duration.ofSeconds(10);
  private static final long DIVIDE_LIMIT_S = 60;

  private ScaleOut() {}

  private record Instance(KafkaLog log, KafkaDeclarations declarations, KafkaMembership membership, Engine engine) implements AutoCloseable {
    static Instance start(String bootstrap, String cluster, Path dir, int n) {
      KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(bootstrap).withCluster(cluster));
      KafkaDeclarations declarations = new KafkaDeclarations(log.catalog());
      KafkaMembership membership = KafkaMembership.create(log, SESSION);
      Engine engine = Engine.open(log, dir, ChangelogRetention.DEFAULT, declarations, membership);
      // Nothing forwards to it in the benchmark; the address only names the member.
      membership.join("http://bench-instance-" + n);
      return new Instance(log, declarations, membership, engine);
    }

    long processed(String view) {
      return engine.view(view).map(ViewStatus::eventsProcessed).orElse(0L);
    }

    @Override
    public void close() {
      membership.close();
      engine.close();
      declarations.close();
      log.close();
    }
  }

  /** Events per second with 1 … {@code instancesMax} instances, in that order. */
  static List<Double> run(String bootstrap, String cluster, String stream, int partitions, long events, int instancesMax, PrintStream out)
      throws Exception {
    List<Double> rates = new ArrayList<>();
    for (int n = 1; n <= instancesMax; n++) {
      Path dir = Files.createTempDirectory("sluice-bench-kafka-scale");
      List<Instance> instances = new ArrayList<>();
      try {
        for (int i = 0; i < n; i++) {
          instances.add(Instance.start(bootstrap, cluster, dir.resolve("instance-" + i), i));
        }
        awaitDivided(instances, cluster, stream, partitions);
        String view = "totals_" + n;
        long start = System.nanoTime();
        instances.getFirst().engine().create(view, ViewsBench.VIEW, false, false);
        long done = 0;
        while (done < events) {
          Thread.sleep(20);
          done = 0;
          for (Instance instance : instances) {
            done += instance.processed(view);
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        rates.add(events / seconds);
        StringBuilder split = new StringBuilder();
        for (Instance instance : instances) {
          split.append(split.isEmpty() ? "" : " + ").append(String.format(Locale.ROOT, "%,d", instance.processed(view)));
        }
        out.printf(Locale.ROOT, "scale-out, %d instance%s: %,d events in %.2f s = %,.0f events/s (processed %s)%n",
            n, n == 1 ? "" : "s", events, seconds, events / seconds, split);
      } finally {
        for (Instance instance : instances.reversed()) {
          instance.close();
        }
        Folders.delete(dir);
      }
    }
    return rates;
  }

  /** Waits until the group has given every partition of the stream to one of the instances, and each instance some. */
  private static void awaitDivided(List<Instance> instances, String cluster, String stream, int partitions)
      throws InterruptedException {
    String topic = KafkaLog.streamTopic(cluster, stream);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DIVIDE_LIMIT_S);
    while (true) {
      Set<Integer> covered = new TreeSet<>();
      int total = 0;
      boolean everyoneHasSome = true;
      for (Instance instance : instances) {
        Set<Integer> owned = instance.membership().ownedPartitions().getOrDefault(topic, Set.of());
        covered.addAll(owned);
        total += owned.size();
        everyoneHasSome &= !owned.isEmpty();
      }
      if (covered.size() == partitions && total == partitions && everyoneHasSome) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the instances did not divide " + topic + " within " + DIVIDE_LIMIT_S + " s");
      }
      Thread.sleep(100);
    }
  }
}
