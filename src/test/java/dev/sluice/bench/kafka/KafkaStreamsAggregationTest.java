package dev.sluice.bench.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.broker.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The benchmark's Kafka Streams application computes the view it is compared with. */
@org.junit.jupiter.api.Tag("kafka")
class KafkaStreamsAggregationTest {
  private static Map<String, String> printable(Map<String, long[]> totals) {
    Map<String, String> out = new java.util.TreeMap<>();
    totals.forEach((key, t) -> out.put(key, t[0] + "/" + t[1]));
    return out;
  }

  @Test
  void theApplicationSumsAndCountsThePaidOrdersOfEachKey() throws Exception {
    String bootstrap = TestKafka.bootstrapServers();
    String topic = TestKafka.newCluster("streams-aggregation-") + ".orders";
    Properties admin = new Properties();
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin client = Admin.create(admin)) {
      KafkaBroker.createTopic(client, new NewTopic(topic, 2, (short) 1));
    }
    Map<String, long[]> expected = new HashMap<>();
    Random random = new Random(7);
    int events = 2_000;
    Properties producer = new Properties();
    producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaProducer<String, byte[]> out = new KafkaProducer<>(producer, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < events; i++) {
        String key = "key-" + random.nextInt(50);
        boolean paid = random.nextInt(4) > 0;
        long amount = random.nextInt(1000);
        String json = "{\"k\":\"" + key + "\",\"status\":\"" + (paid ? "paid" : "open") + "\",\"amount\":" + amount + "}";
        out.send(new ProducerRecord<>(topic, key, json.getBytes(StandardCharsets.UTF_8)));
        if (paid) {
          long[] t = expected.computeIfAbsent(key, k -> new long[2]);
          t[0] += amount;
          t[1]++;
        }
      }
    }
    try (KafkaStreamsAggregation app = new KafkaStreamsAggregation(bootstrap, topic, topic + "-app")) {
      assertThat(app.awaitConsumed(events, Duration.ofSeconds(120))).as("consumed %d of %d", app.consumed(), events).isTrue();
      // The last records consumed may still be on their way into the store: look until it settles.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      Map<String, String> wanted = printable(expected);
      Map<String, String> totals = printable(app.totals());
      while (!totals.equals(wanted) && System.nanoTime() < deadline) {
        Thread.sleep(50);
        totals = printable(app.totals());
      }
      assertThat(totals).isEqualTo(wanted);
    }
  }
}
