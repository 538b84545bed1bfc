package dev.sluice.cli;

import dev.sluice.engine.ChangelogRetention;
import dev.sluice.engine.Engine;
import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.cluster.KafkaDeclarations;
import dev.sluice.kafka.cluster.KafkaMembership;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long {@code sluice verify --backend kafka} takes over a log of {@code -Devents=N} events (one
 * stream of 4 partitions, a divided and a whole view, one instance's folder): a measurement, not a
 * test of the suite (its name matches none of Surefire's patterns). Run it alone:
 * {@code mvn -B -o test -Dtest=KafkaVerifyTiming -Devents=1000000 -Dsurefire.failIfNoSpecifiedTests=false};
 * the figures are in {@code target/surefire-reports/dev.sluice.cli.KafkaVerifyTiming-output.txt}.
 */
@Tag("kafka")
class KafkaVerifyTiming {
  @TempDir Path dir;

  @Test
  void time() throws Exception {
    int n = Integer.getInteger("events", 200_000);
    String cluster = TestKafka.newCluster("kvtime");
    // Not a check: a measurement, printed; verify must still pass.
    Path data = dir.resolve("a");
    KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(TestKafka.bootstrapServers()).withCluster(cluster));
    KafkaDeclarations decl = new KafkaDeclarations(log.catalog());
    KafkaMembership m = KafkaMembership.create(log, Duration.ofSeconds(6));
    Engine engine = Engine.open(log, data.resolve("kafka").resolve(cluster).resolve("views"), ChangelogRetention.DEFAULT, decl, m);
    m.join("http://a.invalid:1");
    log.create(new StreamSpec("orders", StreamKind.STREAM, "customer", 4), false);
    engine.create("spend", "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer", false, false);
    engine.create("everything", "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total", false, false);
    for (int i = 0; i < n; ) {
      List<Event> batch = new ArrayList<>();
      for (int j = 0; j < 5000 && i < n; j++, i++) {
        batch.add(Event.of("c" + (i % 1000), ("{\"customer\":\"c" + (i % 1000) + "\",\"amount\":" + (i % 7) + "}").getBytes(StandardCharsets.UTF_8)));
      }
      log.append("orders", batch).get(60, TimeUnit.SECONDS);
    }
    while (engine.views().stream().anyMatch(v -> v.lagEvents() > 0 || v.state() != dev.sluice.engine.ViewState.LIVE)) {
      Thread.sleep(200);
    }
    m.close();
    engine.close();
    decl.close();
    log.close();
    for (int round = 0; round < 2; round++) {
      long t0 = System.nanoTime();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int exit = Main.run(new String[] {"verify", "--backend", "kafka", "--kafka", TestKafka.bootstrapServers(), "--cluster", cluster,
          "--data", data.toString()}, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true), new PrintStream(out, true));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("TIMING events=" + n + " round=" + round + " exit=" + exit + " ms=" + ms + "\n" + out);
      org.assertj.core.api.Assertions.assertThat(exit).as(out.toString()).isZero();
    }
  }
}
