package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.engine.ChangelogRetention;
import dev.sluice.engine.Engine;
import dev.sluice.kafka.TestKafka;
import dev.sluice.kafka.cluster.KafkaDeclarations;
import dev.sluice.kafka.cluster.KafkaMembership;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.Partitioner;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice verify --backend kafka} against the test broker: a healthy cluster of two instances
 * with a divided view, a repartitioned view, a whole view, an index and a constraint passes, through the folder of either
 * instance, while the other runs and once both are stopped; a row changed in one folder's store is
 * named with its view, and a record that does not decode is named with its topic, partition and offset.
 */
@Tag("kafka")
class KafkaVerifyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  /** An instance assembled as {@code sluice serve --backend kafka --data DIR} assembles one. */
  private record Instance(KafkaLog log, KafkaDeclarations declarations, KafkaMembership membership, Engine engine,
      SluiceServer server, String url) implements AutoCloseable {
    static Instance start(String cluster, Path data) throws Exception {
      KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(TestKafka.bootstrapServers()).withCluster(cluster));
      KafkaDeclarations declarations = new KafkaDeclarations(log.catalog());
      KafkaMembership membership = KafkaMembership.create(log, Duration.ofSeconds(6));
      Engine engine = Engine.open(log, data.resolve("kafka").resolve(cluster).resolve("views"), ChangelogRetention.DEFAULT,
          declarations, membership);
      SluiceServer server = SluiceServer.start(log, engine, Config.defaults().withPort(0));
      String url = "http://127.0.0.1:" + server.port();
      membership.join(url);
      return new Instance(log, declarations, membership, engine, server, url);
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

  record Run(int exit, String out, String err) {}

  private static Run verify(String cluster, Path data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Main.run(new String[] {"verify", "--backend", "kafka", "--kafka", TestKafka.bootstrapServers(), "--cluster", cluster,
        "--data", data.toString()}, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> post(String url, String body, String type) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private void statements(String url, String text) throws Exception {
    HttpResponse<String> r = post(url + "/statements", text, "text/plain");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private String outcome(String url, String event) throws Exception {
    HttpResponse<String> r = post(url + "/streams/users/events?wait=outcome&timeout_ms=30000", event, "application/x-ndjson");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).path("positions").get(0).path("outcome").asText();
  }

  private JsonNode views(String url) throws Exception {
    return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(url + "/views")).timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("not within %d s: %s", WAIT.toSeconds(), what).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** Whether a view line says it was recomputed and its digest matches. */
  private static boolean checked(String out, String kind, String view) {
    return Pattern.compile("(?m)^" + kind + " '" + view + "' v1: \\d+ rows recomputed from the log, digest \\S+ matches").matcher(out).find();
  }

  @Test
  void aHealthyClusterPassesAChangedRowNamesItsViewAndARecordThatDoesNotDecodeIsNamed() throws Exception {
    String cluster = TestKafka.newCluster("kverify");
    Path aData = dir.resolve("a");
    Path bData = dir.resolve("b");
    Instance a = Instance.start(cluster, aData);
    Instance b = Instance.start(cluster, bData);
    try {
      statements(a.url(), "CREATE STREAM orders KEY customer PARTITIONS 4; CREATE TABLE users KEY user_id PARTITIONS 2");
      await("both instances own some of orders", () -> !a.membership().ownedPartitions().getOrDefault(cluster + ".orders", java.util.Set.of()).isEmpty()
          && !b.membership().ownedPartitions().getOrDefault(cluster + ".orders", java.util.Set.of()).isEmpty());
      statements(a.url(), "CREATE VIEW spend AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY customer;"
          + " CREATE VIEW everything AS FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total;"
          + " CREATE VIEW by_country AS FROM orders |> AGGREGATE count(*) AS n GROUP BY country;"
          + " CREATE INDEX orders_by_country ON orders (country);"
          + " CREATE CONSTRAINT unique_username UNIQUE users (username)");
      StringBuilder orders = new StringBuilder();
      for (int i = 0; i < 60; i++) {
        orders.append("{\"customer\":\"c").append(i % 12).append("\",\"country\":\"").append(i % 2 == 0 ? "FR" : "DE")
            .append("\",\"amount\":").append(i + 1).append("}\n");
      }
      assertThat(post(b.url() + "/streams/orders/events", orders.toString(), "application/x-ndjson").statusCode()).isEqualTo(200);
      assertThat(outcome(b.url(), "{\"user_id\":\"u1\",\"username\":\"alice\"}")).isEqualTo("accepted");
      assertThat(outcome(a.url(), "{\"user_id\":\"u2\",\"username\":\"alice\"}")).isEqualTo("rejected");
      assertThat(outcome(a.url(), "{\"user_id\":\"u1\",\"username\":\"alicia\"}")).isEqualTo("accepted");
      assertThat(outcome(b.url(), "{\"user_id\":\"u2\",\"username\":\"alice\"}")).as("alice, released by u1").isEqualTo("accepted");
      await("every view has caught up", () -> {
        try {
          JsonNode views = views(a.url());
          int live = 0;
          for (JsonNode v : views) {
            live += v.path("state").asText().equals("live") && v.path("lag").path("events").asLong() == 0 ? 1 : 0;
          }
          return live == views.size() && live >= 4;
        } catch (Exception e) {
          return false;
        }
      });
      Run held = verify(cluster, aData);
      assertThat(held.exit()).as("the folder of a running instance: " + held.out()).isEqualTo(1);
      assertThat(held.err()).contains("is the instance with --data " + aData + " running? Stop it");
    } finally {
      a.close();
    }

    // The folder of a stopped instance, while the other runs.
    Run running;
    try {
      running = verify(cluster, aData);
    } finally {
      b.close();
    }
    assertThat(running.exit()).as(running.out() + running.err()).isZero();
    assertThat(running.out()).contains("no hash chain").contains("tamper evidence on a cluster rests on Kafka's ACLs and replication")
        .containsPattern("constraint 'unique_username' on users: 4 claims, 4 decided")
        .containsPattern("constraint 'unique_username': 4 decisions replayed in claim order")
        .contains("ok: ");
    // The folder of the other, the whole cluster stopped.
    Run stopped = verify(cluster, bData);
    assertThat(stopped.exit()).as(stopped.out() + stopped.err()).isZero();
    String both = running.out() + stopped.out();
    assertThat(checked(both, "view", "spend")).as(both).isTrue();
    assertThat(both).as("a divided view is recomputed in the partitions each folder holds")
        .containsPattern("view 'spend' v1: .*recomputed partitions \\[\\d");
    assertThat(checked(both, "view", "everything")).as("the whole view, in its owner's folder: " + both).isTrue();
    assertThat(both).as("the index, in its owner's folder").containsPattern("index 'orders_by_country' v1: \\d+ rows recomputed from the log, digest \\S+ matches");
    assertThat(both).as("what a folder holds no state of is named").contains("not recomputed: ");
    assertThat(both).as("a repartitioned view's step, derived again").containsPattern(
        "derived stream 'by_country_v1_repartition' v1: \\d+ events derived again from \\d+ input events");

    // A row changed in a's store while it is stopped.
    String tampered;
    try (KeyValueStore store = KeyValueStore.open(aData.resolve("kafka").resolve(cluster).resolve("views").resolve("state"))) {
      Space space = store.space("view:spend:1");
      byte[][] row = new byte[1][];
      space.scan(new byte[] {1}, new byte[] {2}, (key, value) -> {
        row[0] = key;
        return false;
      });
      assertThat(row[0]).as("a holds rows of spend").isNotNull();
      tampered = new String(space.get(row[0]), StandardCharsets.UTF_8).replaceFirst("\"n\":\\d+", "\"n\":999");
      try (var batch = space.batch()) {
        batch.put(row[0], tampered.getBytes(StandardCharsets.UTF_8));
        batch.commit();
      }
    }
    Run changed = verify(cluster, aData);
    assertThat(changed.exit()).as(changed.out()).isEqualTo(1);
    assertThat(changed.out()).contains("view 'spend' key ").contains(": row differs; expected ").contains("actual " + tampered);

    // A record no Sluice wrote, which does not decode, in the orders topic.
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers());
    RecordMetadata bad;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      bad = producer.send(new ProducerRecord<>(cluster + ".orders", Partitioner.partition("c1", 4), "c1".getBytes(StandardCharsets.UTF_8),
          "{\"customer\":\"c1\",".getBytes(StandardCharsets.UTF_8))).get();
    }
    Run malformed = verify(cluster, bData);
    assertThat(malformed.exit()).as(malformed.out()).isEqualTo(1);
    assertThat(malformed.out()).contains("stream 'orders': topic " + cluster + ".orders partition " + bad.partition() + " offset " + bad.offset()
        + ": the record does not decode: its value is not JSON");

    // A cluster name with no catalog topic is refused, and nothing is created for it.
    Run unknown = verify(cluster + "x", bData);
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("no Sluice cluster '" + cluster + "x' there");
    Properties admin = new Properties();
    admin.put("bootstrap.servers", TestKafka.bootstrapServers());
    try (org.apache.kafka.clients.admin.Admin a2 = org.apache.kafka.clients.admin.Admin.create(admin)) {
      assertThat(a2.listTopics().names().get()).doesNotContain(cluster + "x._catalog");
      // A stream declared with 3 partitions whose topic has 2.
      a2.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(cluster + ".ghost", 2, (short) 1))).all().get();
    }
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(cluster + "._catalog", 0, "stream:ghost".getBytes(StandardCharsets.UTF_8),
          "{\"name\":\"ghost\",\"kind\":\"STREAM\",\"key\":null,\"partitions\":3}".getBytes(StandardCharsets.UTF_8))).get();
    }
    Run ghost = verify(cluster, bData);
    assertThat(ghost.exit()).isEqualTo(1);
    assertThat(ghost.out()).contains("stream 'ghost': its topic " + cluster + ".ghost has 2 partitions, but the stream is declared with 3");
    assertThat(ghost.err()).contains("the views and constraints are not audited until every stream's topic is as declared");
  }
}
