package dev.sluice.kafka.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.kafka.TestKafka;
import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What the Kafka log promises beyond the contract: instances sharing a cluster, transactions, the record format. */
@Tag("kafka")
class KafkaLogTest {
  static String bootstrap;

  @BeforeAll
  static void startBroker() throws Exception {
    bootstrap = TestKafka.bootstrapServers();
  }

  private static KafkaLog.Options options(String cluster) {
    return KafkaLog.Options.defaults(bootstrap).withCluster(cluster);
  }

  private static String newCluster() {
    return TestKafka.newCluster("t");
  }

  private static Event withId(String key, String id, String value) {
    return new Event(key, id, null, List.of(), false, value.getBytes(StandardCharsets.UTF_8));
  }

  private static AppendResult append(KafkaLog log, String stream, Event... events) throws Exception {
    return log.append(stream, List.of(events)).get(30, TimeUnit.SECONDS);
  }

  @Test
  void aSecondInstanceSeesTheStreamsAndDeduplicatesIdsTheFirstAppended() throws Exception {
    String cluster = newCluster();
    try (KafkaLog first = KafkaLog.open(options(cluster))) {
      first.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 4), false);
      Position original = append(first, "orders", withId("o1", "op-1", "{\"n\":1}")).positions().get(0);
      try (KafkaLog second = KafkaLog.open(options(cluster))) {
        assertThat(second.stream("orders")).contains(new StreamSpec("orders", StreamKind.STREAM, "order_id", 4));
        AppendResult again = append(second, "orders", withId("o1", "op-1", "{\"n\":1}"));
        assertThat(again.positions()).containsExactly(new Position(original.partition(), original.offset(), true));

        // And the other way round, while both run: the first catches up before it decides.
        Position fromSecond = append(second, "orders", withId("o2", "op-2", "{\"n\":2}")).positions().get(0);
        assertThat(append(first, "orders", withId("o2", "op-2", "{\"n\":2}")).positions())
            .containsExactly(new Position(fromSecond.partition(), fromSecond.offset(), true));

        // A stream one instance declares appears in the other.
        second.create(new StreamSpec("payments", StreamKind.TABLE, "payment_id", 2), false);
        assertThat(first.stream("payments")).isPresent();
      }
      assertThat(first.read("orders", original.partition(), 0, 100)).filteredOn(r -> r.id().equals("op-1")).hasSize(1);
    }
  }

  @Test
  void anIdIsADuplicateAfterTheInstanceRestartsWithANewProducer() throws Exception {
    String cluster = newCluster();
    Position original;
    try (KafkaLog log = KafkaLog.open(options(cluster))) {
      log.create(new StreamSpec("s", StreamKind.STREAM, null, 3), false);
      original = append(log, "s", withId("k", "pay-42", "{}")).positions().get(0);
    }
    try (KafkaLog restarted = KafkaLog.open(options(cluster).withTransactionalId("stable-" + cluster))) {
      assertThat(append(restarted, "s", withId("k", "pay-42", "{}")).positions())
          .containsExactly(new Position(original.partition(), original.offset(), true));
      assertThat(restarted.indexedIds("s")).isEqualTo(1);
    }
  }

  @Test
  void aRequestKafkaRefusesInOnePartitionIsAppendedInNone() throws Exception {
    String cluster = newCluster();
    try (KafkaLog small = KafkaLog.open(options(cluster))) {
      small.create(new StreamSpec("s", StreamKind.STREAM, null, 4), false);
    }
    // An instance allowing larger events than the topic was made for: the broker refuses the big
    // record, and the transaction takes the request's other records with it.
    try (KafkaLog big = KafkaLog.open(options(cluster).withLimits(4 * 1024 * 1024, 64L * 1024 * 1024))) {
      byte[] huge = new byte[2 * 1024 * 1024];
      java.util.Arrays.fill(huge, (byte) ' ');
      huge[0] = '{';
      huge[huge.length - 1] = '}';
      List<Event> events = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        events.add(withId("k" + i, "small-" + i, "{}"));
      }
      events.add(Event.of("k-huge", huge));
      assertThatThrownBy(() -> big.append("s", events).get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOG_FAILED));
      for (int p = 0; p < 4; p++) {
        assertThat(big.endOffset("s", p)).isZero();
      }
      assertThat(rawRecords(cluster + ".s", 4, 1, Duration.ofSeconds(3))).isEmpty();

      AppendResult retry = append(big, "s", events.subList(0, 20).toArray(Event[]::new));
      assertThat(retry.appended()).isEqualTo(20);
      assertThat(retry.duplicates()).isZero();
    }
  }

  @Test
  void aGeneratedIdIsADuplicateOfItsEventButAnOffsetHoldingACommitMarkerNamesNone() throws Exception {
    try (KafkaLog log = KafkaLog.open(options(newCluster()))) {
      log.create(new StreamSpec("s", StreamKind.STREAM, null, 1), false);
      Position first = append(log, "s", Event.of("k", "{}".getBytes(StandardCharsets.UTF_8))).positions().get(0);
      Position second = append(log, "s", Event.of("k", "{}".getBytes(StandardCharsets.UTF_8))).positions().get(0);
      assertThat(second.offset()).as("the first transaction's marker sits between").isEqualTo(first.offset() + 2);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (log.stats("s").events() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(log.stats("s").events()).as("events counted, not offsets").isEqualTo(2);
      assertThat(log.stats("s").endOffsets()).containsExactly(second.offset() + 1);

      assertThat(append(log, "s", withId("k", "@0." + first.offset(), "{}")).positions())
          .containsExactly(new Position(0, first.offset(), true));
      String marker = "@0." + (first.offset() + 1);
      assertThatThrownBy(() -> log.append("s", List.of(withId("k", marker, "{}"))).get(30, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(LogException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ID));
    }
  }

  @Test
  void kafkasOwnConsumerReadsWhatSluiceAppended() throws Exception {
    String cluster = newCluster();
    try (KafkaLog log = KafkaLog.open(options(cluster))) {
      log.create(new StreamSpec("users", StreamKind.TABLE, "user_id", 2), false);
      AppendResult result = append(log, "users",
          new Event("u1", "op-1", 1_700_000_000_000L, List.of("op-0", "op-00"), false, "{\"name\":\"Ada\"}".getBytes(StandardCharsets.UTF_8)),
          new Event("u1", null, 1_700_000_000_001L, List.of(), true, "{}".getBytes(StandardCharsets.UTF_8)));
      List<ConsumerRecord<String, String>> records = rawRecords(cluster + ".users", 2, 2, Duration.ofSeconds(30));
      assertThat(records).hasSize(2);
      ConsumerRecord<String, String> ada = records.get(0);
      assertThat(ada.partition()).isEqualTo(result.positions().get(0).partition());
      assertThat(ada.offset()).isEqualTo(result.positions().get(0).offset());
      assertThat(ada.key()).isEqualTo("u1");
      assertThat(ada.value()).isEqualTo("{\"name\":\"Ada\"}");
      assertThat(ada.timestamp()).isEqualTo(1_700_000_000_000L);
      assertThat(headerValues(ada, "_id")).containsExactly("op-1");
      assertThat(headerValues(ada, "_causes")).containsExactly("op-0", "op-00");
      ConsumerRecord<String, String> tombstone = records.get(1);
      assertThat(tombstone.value()).isNull();
      assertThat(tombstone.headers().toArray()).isEmpty();
    }
  }

  private static List<String> headerValues(ConsumerRecord<String, String> record, String key) {
    List<String> values = new ArrayList<>();
    for (Header h : record.headers().headers(key)) {
      values.add(new String(h.value(), StandardCharsets.UTF_8));
    }
    return values;
  }

  /**
   * The committed records of a topic through a plain KafkaConsumer, in partition then offset order:
   * polls until {@code expected} came or {@code wait} passed (the commit markers that make records
   * visible are written just after the transaction's commit returns).
   */
  private static List<ConsumerRecord<String, String>> rawRecords(String topic, int partitions, int expected, Duration wait) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      List<ConsumerRecord<String, String>> all = new ArrayList<>();
      long deadline = System.nanoTime() + wait.toNanos();
      while (System.nanoTime() < deadline && all.size() < expected) {
        consumer.poll(Duration.ofMillis(100)).forEach(all::add);
      }
      all.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition()) : Long.compare(a.offset(), b.offset()));
      return all;
    }
  }
}
