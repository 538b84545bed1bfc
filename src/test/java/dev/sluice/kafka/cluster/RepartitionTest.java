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
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view grouped by a field other than its stream's key is divided through a repartition step:
 * the instances together hold exactly the rows one instance alone computes, and still do after one
 * of them leaves and the other takes its partitions over (replaying them appends nothing twice).
 */
@Tag("kafka")
class RepartitionTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int CUSTOMERS = 24;
  private static final String VIEW = "FROM orders |> WHERE amount > 0 |> AGGREGATE sum(amount) AS total, count(*) AS n GROUP BY customer";
  private static final Pattern TOTALS = Pattern.compile("\"total\":(\\d+).*\"n\":(\\d+)|\"n\":(\\d+).*\"total\":(\\d+)");

  @TempDir Path dir;
  private String cluster;
  private final List<EngineInstance> open = new ArrayList<>();
  private int appended;
  /** customer → {total, n}: what the view must hold, from the events appended. */
  private final Map<String, long[]> model = new TreeMap<>();

  private EngineInstance start(String name) throws Exception {
    EngineInstance i = EngineInstance.start(cluster, dir.resolve(name), name);
    open.add(i);
    return i;
  }

  @AfterEach
  void closeAll() {
    open.forEach(EngineInstance::close);
  }

  /** Orders keyed by their own id, so a customer's orders land in every partition. */
  private void append(EngineInstance on, int events) throws Exception {
    List<Event> batch = new ArrayList<>();
    for (int i = 0; i < events; i++, appended++) {
      String customer = "c" + (appended * 7) % CUSTOMERS;
      int amount = appended % 5; // a fifth are 0, which the WHERE drops
      if (amount > 0) {
        long[] t = model.computeIfAbsent(customer, k -> new long[2]);
        t[0] += amount;
        t[1]++;
      }
      batch.add(new Event("o" + appended, "o" + appended, null, List.of(), false,
          ("{\"order_id\":\"o" + appended + "\",\"customer\":\"" + customer + "\",\"amount\":" + amount + "}").getBytes(StandardCharsets.UTF_8)));
    }
    on.log().append("orders", batch).get(30, TimeUnit.SECONDS);
  }

  private static Set<Integer> owned(EngineInstance i, String topic) {
    return i.membership().ownedPartitions().getOrDefault(topic, Set.of());
  }

  /** customer → "total/n" as the instances hold it together: each row read from the instance that owns it. */
  private static Map<String, String> rows(List<EngineInstance> instances, String view) {
    Map<String, String> rows = new TreeMap<>();
    for (int c = 0; c < CUSTOMERS; c++) {
      String customer = "c" + c;
      for (EngineInstance i : instances) {
        if (i.engine().owners().of(view, RowKey.of(customer), WAIT).isEmpty()) {
          i.engine().row(view, RowKey.of(customer), null, WAIT).ifPresent(r -> rows.put(customer, totals(r)));
          break;
        }
      }
    }
    return rows;
  }

  private static Map<String, String> rows(Engine engine, String view) {
    Map<String, String> rows = new TreeMap<>();
    for (int c = 0; c < CUSTOMERS; c++) {
      String customer = "c" + c;
      engine.row(view, RowKey.of(customer), null, WAIT).ifPresent(r -> rows.put(customer, totals(r)));
    }
    return rows;
  }

  private static String totals(byte[] row) {
    Matcher m = TOTALS.matcher(new String(row, StandardCharsets.UTF_8));
    assertThat(m.find()).as("a row with total and n: %s", new String(row, StandardCharsets.UTF_8)).isTrue();
    return m.group(1) != null ? m.group(1) + "/" + m.group(2) : m.group(4) + "/" + m.group(3);
  }

  private Map<String, String> expected() {
    Map<String, String> want = new TreeMap<>();
    model.forEach((customer, t) -> want.put(customer, t[0] + "/" + t[1]));
    return want;
  }

  /** Waits until {@code actual} holds what was appended (the views catch up); fails with the difference if it never does. */
  private void awaitExpected(String what, Supplier<Map<String, String>> actual) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Map<String, String> want = expected();
    Map<String, String> got = actual.get();
    while (!got.equals(want) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      got = actual.get();
    }
    assertThat(got).as(what).hasSize(CUSTOMERS).isEqualTo(want);
  }

  @Test
  void aViewGroupedByAnotherFieldIsDividedAndEqualsOneInstanceAloneAlsoAfterAnInstanceLeaves() throws Exception {
    cluster = TestKafka.newCluster("repartition");
    EngineInstance a = start("a");
    a.log().create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 4), false);
    EngineInstance b = start("b");
    String orders = KafkaLog.streamTopic(cluster, "orders");
    awaitOwned(a, b, orders);

    a.engine().create("spend", VIEW, false, false);
    assertThat(a.engine().view("spend").orElseThrow().definition())
        .as("the view aggregates the internal stream").startsWith("FROM spend_v1_repartition");
    // One instance alone, the reference: the same pipeline on its own engine (not shared), run whole.
    KafkaLog aloneLog = KafkaLog.open(KafkaLog.Options.defaults(TestKafka.bootstrapServers()).withCluster(cluster));
    try (Engine alone = Engine.open(aloneLog, dir.resolve("alone"))) {
      alone.create("spend", VIEW, false, false);
      append(a, 1500);
      append(b, 1500);
      awaitOwned(a, b, KafkaLog.streamTopic(cluster, "spend_v1_repartition"));
      awaitExpected("one instance alone", () -> rows(alone, "spend"));
      awaitExpected("the divided view, read from each row's owner", () -> rows(List.of(a, b), "spend"));
      assertThat(a.engine().owners().shares()).filteredOn(s -> s.view().equals("spend"))
          .singleElement().extracting(Owners.Share::placement).isEqualTo("divided");

      open.remove(b);
      b.close(); // a takes b's partitions of orders and of the internal stream over, and replays them
      append(a, 1000);
      awaitExpected("one instance alone, after", () -> rows(alone, "spend"));
      awaitExpected("a alone after b left", () -> rows(List.of(a), "spend"));

      a.engine().drop("spend", false);
      assertThat(a.engine().view("spend_v1_repartition")).as("the repartition stream is no longer derived once its view is dropped").isEmpty();
    } finally {
      aloneLog.close();
    }
  }

  private static void awaitOwned(EngineInstance a, EngineInstance b, String topic) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (owned(a, topic).isEmpty() || owned(b, topic).isEmpty() || owned(a, topic).size() + owned(b, topic).size() != 4) {
      assertThat(System.nanoTime()).as("the two instances divide %s", topic).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
