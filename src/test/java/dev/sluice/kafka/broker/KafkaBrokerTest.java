package dev.sluice.kafka.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One broker for the class: starting it is the slow part (about 10 s on 2 cores). */
@Tag("kafka")
class KafkaBrokerTest {
  private static final int PARTITIONS = 4;
  private static final Duration CONSUME_LIMIT = Duration.ofSeconds(60);

  @TempDir static Path workDir;
  static KafkaBroker kafka;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = KafkaBroker.start(workDir);
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void recordsComeBackInOrderAtTheOffsetsTheirAcknowledgementsNamed() throws Exception {
    createTopic("orders");
    List<ProducerRecord<String, String>> sent = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      sent.add(new ProducerRecord<>("orders", "customer-" + (i % 13), "order-" + i));
    }
    List<RecordMetadata> acks = new ArrayList<>();
    try (var producer = producer(Map.of())) {
      List<Future<RecordMetadata>> pending = sent.stream().map(producer::send).toList();
      for (Future<RecordMetadata> ack : pending) {
        acks.add(ack.get());
      }
    }

    List<ConsumerRecord<String, String>> received = consumeAll("orders", sent.size());

    assertThat(received).hasSize(sent.size());
    for (int i = 0; i < sent.size(); i++) {
      RecordMetadata ack = acks.get(i);
      ConsumerRecord<String, String> stored = received.stream()
          .filter(r -> r.partition() == ack.partition() && r.offset() == ack.offset())
          .findFirst().orElseThrow();
      assertThat(stored.key()).isEqualTo(sent.get(i).key());
      assertThat(stored.value()).isEqualTo(sent.get(i).value());
    }
    for (int partition = 0; partition < PARTITIONS; partition++) {
      int p = partition;
      List<Long> offsets = received.stream().filter(r -> r.partition() == p)
          .map(ConsumerRecord::offset).toList();
      assertThat(offsets).as("offsets of partition %d are dense from 0", p)
          .isEqualTo(LongStream.range(0, offsets.size()).boxed().toList());
    }
    assertThat(received.stream().map(ConsumerRecord::partition).distinct())
        .as("13 keys spread over more than one partition").hasSizeGreaterThan(1);
  }

  @Test
  void readCommittedSeesACommittedTransactionAndNotAnAbortedOne() throws Exception {
    createTopic("payments");
    try (var producer = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "payments-tx"))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("payments", "p1", "aborted"));
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("payments", "p1", "committed"));
      producer.commitTransaction();
    }

    assertThat(consumeAll("payments", 1)).extracting(ConsumerRecord::value)
        .containsExactly("committed");
  }

  private static void createTopic(String name) throws Exception {
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      KafkaBroker.createTopic(admin, new NewTopic(name, PARTITIONS, (short) 1));
    }
  }

  private static KafkaProducer<String, String> producer(Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
    config.putAll(extra);
    return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  /**
   * Reads with a consumer group, as Sluice will, until {@code expected} records have arrived, then
   * a little longer so that a record too many would be seen.
   */
  private static List<ConsumerRecord<String, String>> consumeAll(String topic, int expected) {
    List<ConsumerRecord<String, String>> received = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, topic + "-reader",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(Set.of(topic));
      long deadline = System.nanoTime() + CONSUME_LIMIT.toNanos();
      while (received.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(received::add);
      }
      consumer.poll(Duration.ofMillis(500)).forEach(received::add);
      assertThat(consumer.assignment()).as("the group gave its one member every partition")
          .containsExactlyInAnyOrderElementsOf(IntStream.range(0, PARTITIONS)
              .mapToObj(p -> new TopicPartition(topic, p)).toList());
    }
    return received;
  }
}
