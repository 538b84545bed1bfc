package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.engine.ChangelogRetention;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Owners;
import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.operators.RowKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An instance that takes partitions over answers their rows only once it has restored them: a
 * new instance replays from offset 0, one that comes back resumes from its own checkpoint, and
 * neither answers from state left behind.
 */
@Tag("kafka")
class HandoverTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int CUSTOMERS = 16;

  @TempDir Path dir;
  private String cluster;
  private final List<EngineInstance> open = new ArrayList<>();
  private final Map<String, Long> expected = new TreeMap<>();

  private EngineInstance start(String name) throws Exception {
    EngineInstance i = EngineInstance.start(cluster, dir.resolve(name), name);
    open.add(i);
    return i;
  }

  @AfterEach
  void closeAll() {
    open.forEach(EngineInstance::close);
  }

  private Token append(EngineInstance on, int events) throws Exception {
    List<Event> batch = new ArrayList<>();
    for (int i = 0; i < events; i++) {
      String customer = "c" + (expected.size() + i * 5) % CUSTOMERS;
      expected.merge(customer, 1L, Long::sum);
      batch.add(new Event(customer, null, null, List.of(), false,
          ("{\"customer\":\"" + customer + "\",\"amount\":1}").getBytes(StandardCharsets.UTF_8)));
    }
    return on.log().append("orders", batch).get(30, TimeUnit.SECONDS).token();
  }

  private static Set<Integer> orders(EngineInstance i, String cluster) {
    return i.membership().ownedPartitions().getOrDefault(KafkaLog.streamTopic(cluster, "orders"), Set.of());
  }

  /**
   * The count of every customer whose partition {@code on} owns, read from its own state (no
   * forwarding here), once it includes {@code after} (null: as it is).
   */
  private Map<String, Long> ownRows(EngineInstance on, Token after) {
    Map<String, Long> rows = new TreeMap<>();
    for (String customer : expected.keySet()) {
      if (on.engine().owners().of("spend", RowKey.of(customer), WAIT).isEmpty()) {
        on.engine().row("spend", RowKey.of(customer), after, WAIT)
            .ifPresent(r -> rows.put(customer, Long.parseLong(new String(r, StandardCharsets.UTF_8).replaceAll(".*\"n\":(\\d+).*", "$1"))));
      }
    }
    return rows;
  }

  private Map<String, Long> expectedOf(EngineInstance on) {
    Map<String, Long> want = new TreeMap<>();
    expected.forEach((customer, n) -> {
      if (on.membership().owns("orders", dev.sluice.log.Partitioner.partition(customer, 4))) {
        want.put(customer, n);
      }
    });
    return want;
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("not within %d s: %s", WAIT.toSeconds(), what).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void partitionsTakenOverAnswerOnlyOnceRestoredFromReplayOrFromTheLocalCheckpoint() throws Exception {
    cluster = TestKafka.newCluster("handover");
    EngineInstance a = start("a");
    a.log().create(new StreamSpec("orders", StreamKind.STREAM, "customer", 4), false);
    a.engine().create("spend", "FROM orders |> AGGREGATE count(*) AS n GROUP BY customer", false, false);
    await("a owns every partition", () -> orders(a, cluster).size() == 4);
    Token first = append(a, 3000);

    EngineInstance b = start("b");
    await("b owns a share", () -> !orders(b, cluster).isEmpty() && orders(a, cluster).size() + orders(b, cluster).size() == 4);
    // b replays its share from offset 0; its first reads, with no token, wait for that instead of answering short.
    assertThat(ownRows(b, null)).as("b's rows, read as soon as b owns them").isEqualTo(expectedOf(b)).isNotEmpty();
    assertThat(ownRows(a, first)).isEqualTo(expectedOf(a)).isNotEmpty();

    open.remove(b);
    b.close(); // leaves the group: a takes every partition back and resumes where its own state stopped
    await("a owns every partition again", () -> orders(a, cluster).size() == 4);
    Token second = append(a, 1000);
    assertThat(ownRows(a, second)).isEqualTo(expected);

    EngineInstance again = start("b"); // b's state is behind by the 1000 events it never saw
    await("b is back with a share", () -> !orders(again, cluster).isEmpty() && orders(a, cluster).size() + orders(again, cluster).size() == 4);
    assertThat(ownRows(again, null)).as("b's rows after resuming from its checkpoint").isEqualTo(expectedOf(again)).isNotEmpty();
    List<Owners.Share> shares = again.engine().owners().shares();
    assertThat(shares).singleElement().satisfies(s -> assertThat(s.partitions()).allSatisfy(p ->
        assertThat(p.restoreTo()).as("where %s had to get when b took it", p).isGreaterThan(0)));
  }
}
