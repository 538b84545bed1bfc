package dev.sluice.kafka.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kafka.TestKafka;
import dev.sluice.log.Event;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Kafka log's reader pool: a partition a caller follows keeps its consumer, reads go on across
 * transaction markers, and records read ahead are the ones a plain read returns.
 */
@Tag("kafka")
class ReadersTest {
  private static final int PARTITIONS = 4;
  private static String bootstrap;
  private static KafkaLog log;
  private static String topic;
  /** Per partition: offset → key of every appended event. */
  private static final List<TreeMap<Long, String>> APPENDED = new ArrayList<>();

  @BeforeAll
  static void appendInManySmallTransactions() throws Exception {
    bootstrap = TestKafka.bootstrapServers();
    String cluster = TestKafka.newCluster("readers");
    log = KafkaLog.open(KafkaLog.Options.defaults(bootstrap).withCluster(cluster));
    log.create(new StreamSpec("events", StreamKind.STREAM, "k", PARTITIONS), false);
    topic = cluster + ".events";
    for (int p = 0; p < PARTITIONS; p++) {
      APPENDED.add(new TreeMap<>());
    }
    // One request per transaction: every few records a commit marker takes an offset of its own.
    for (int request = 0; request < 60; request++) {
      List<Event> events = new ArrayList<>();
      for (int i = 0; i < 1 + request % 40; i++) {
        String key = "k" + request + "-" + i;
        events.add(new Event(key, null, null, List.of(), false, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
      }
      List<Position> positions = log.append("events", events).get(30, TimeUnit.SECONDS).positions();
      for (int i = 0; i < events.size(); i++) {
        APPENDED.get(positions.get(i).partition()).put(positions.get(i).offset(), events.get(i).key());
      }
    }
  }

  @AfterAll
  static void closeLog() {
    log.close();
  }

  private static Supplier<KafkaConsumer<byte[], byte[]>> consumers(AtomicInteger made) {
    return () -> {
      made.incrementAndGet();
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
      p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "1");
      return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    };
  }

  private static long end(int p) {
    return APPENDED.get(p).lastKey() + 1;
  }

  /** What a caller following every partition in turn from {@code from}, {@code max} at a time, reads. */
  private static List<TreeMap<Long, String>> followInTurn(Readers readers, int max) {
    List<TreeMap<Long, String>> read = new ArrayList<>();
    long[] next = new long[PARTITIONS];
    for (int p = 0; p < PARTITIONS; p++) {
      read.add(new TreeMap<>());
    }
    boolean any = true;
    while (any) {
      any = false;
      for (int p = 0; p < PARTITIONS; p++) {
        if (next[p] >= end(p)) {
          continue;
        }
        any = true;
        List<Record> records = readers.read(new TopicPartition(topic, p), next[p], max, end(p));
        assertThat(records).hasSizeBetween(1, max);
        for (Record r : records) {
          assertThat(r.partition()).isEqualTo(p);
          read.get(p).put(r.offset(), r.key());
        }
        next[p] = records.get(records.size() - 1).offset() + 1;
      }
    }
    return read;
  }

  @Test
  void aCallerFollowingEveryPartitionInTurnReadsEachRecordOnceAndEachPartitionKeepsItsConsumer() {
    AtomicInteger made = new AtomicInteger();
    try (Readers readers = new Readers(consumers(made), "test")) {
      assertThat(followInTurn(readers, 100)).isEqualTo(APPENDED);
      // A consumer moved from partition to partition would drop what it fetched ahead at each move.
      assertThat(made.get()).isEqualTo(PARTITIONS);
    }
  }

  @Test
  void readsFromAnyOffsetReturnTheRecordsAtAndAfterItWhateverWasReadAheadBefore() {
    AtomicInteger made = new AtomicInteger();
    Random random = new Random(7);
    try (Readers readers = new Readers(consumers(made), "test")) {
      for (int i = 0; i < 200; i++) {
        int p = random.nextInt(PARTITIONS);
        // Offsets of commit markers too: a read from one starts at the next record.
        long from = random.nextInt((int) end(p));
        int max = random.nextBoolean() ? 1 + random.nextInt(5) : 64 + random.nextInt(200);
        List<Record> records = readers.read(new TopicPartition(topic, p), from, max, end(p));
        List<Long> expected = APPENDED.get(p).tailMap(from, true).keySet().stream().limit(max).toList();
        assertThat(records).extracting(Record::offset).as("partition %d from %d, %d records", p, from, max)
            .containsExactlyElementsOf(expected);
        assertThat(records).extracting(Record::key)
            .containsExactlyElementsOf(expected.stream().map(o -> APPENDED.get(p).get(o)).toList());
      }
      assertThat(made.get()).isLessThanOrEqualTo(Readers.READERS_MAX);
    }
  }

  @Test
  void twoCallersFollowingTheSamePartitionsAtOnceEachReadEveryRecord() throws Exception {
    AtomicInteger made = new AtomicInteger();
    try (Readers readers = new Readers(consumers(made), "test")) {
      CompletableFuture<List<TreeMap<Long, String>>> first = CompletableFuture.supplyAsync(() -> followInTurn(readers, 70));
      CompletableFuture<List<TreeMap<Long, String>>> second = CompletableFuture.supplyAsync(() -> followInTurn(readers, 130));
      assertThat(first.get(60, TimeUnit.SECONDS)).isEqualTo(APPENDED);
      assertThat(second.get(60, TimeUnit.SECONDS)).isEqualTo(APPENDED);
    }
  }
}
