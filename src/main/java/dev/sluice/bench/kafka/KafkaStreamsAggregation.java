package dev.sluice.bench.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The Kafka Streams half of {@code sluice bench kafka}: the benchmark's view
 * ({@code WHERE status = 'paid' |> AGGREGATE sum(amount) AS total, count(*) AS n GROUP BY k}) as a
 * Kafka Streams application over the same topic Sluice reads, configured as Sluice runs a view: one
 * stream thread, exactly-once processing, state in RocksDB with its changelog topic. The input's
 * record key is the event's {@code _key}, which is {@code k}, so the grouping needs no
 * repartition; values are the events' JSON, parsed with Jackson as Sluice parses them.
 */
public final class KafkaStreamsAggregation implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String STORE = "totals";

  private final KafkaStreams streams;
  private final AtomicLong consumed = new AtomicLong();
  private volatile long firstNanos;
  private final Path stateDir;

  /** Starts the application on {@code topic}; it processes from the topic's beginning. */
  public KafkaStreamsAggregation(String bootstrapServers, String topic, String applicationId) {
    try {
      stateDir = Files.createTempDirectory("sluice-bench-kafka-streams");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topic, Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .peek((k, v) -> {
          if (consumed.getAndIncrement() == 0) {
            firstNanos = System.nanoTime();
          }
        })
        .flatMapValues(KafkaStreamsAggregation::paidAmount)
        .groupByKey(Grouped.with(Serdes.String(), Serdes.Long()))
        .aggregate(
            () -> totals(0, 0),
            (key, amount, totals) -> {
              ByteBuffer t = ByteBuffer.wrap(totals);
              return totals(t.getLong(0) + amount, t.getLong(8) + 1);
            },
            Materialized.<String, byte[], KeyValueStore<Bytes, byte[]>>as(STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.ByteArray()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    streams = new KafkaStreams(builder.build(), props);
    streams.start();
  }

  /** The amount of a paid order, or nothing: the view's WHERE and its field reads. */
  private static Iterable<Long> paidAmount(byte[] value) {
    try {
      JsonNode event = JSON.readTree(value);
      if (!"paid".equals(event.path("status").asText(null))) {
        return java.util.List.of();
      }
      return java.util.List.of(event.path("amount").asLong());
    } catch (IOException e) {
      return java.util.List.of(); // Sluice would count a dead letter; the benchmark has none
    }
  }

  private static byte[] totals(long total, long n) {
    return ByteBuffer.allocate(16).putLong(total).putLong(n).array();
  }

  /** {@link System#nanoTime()} when the first record reached the topology; 0 before. */
  public long firstRecordNanos() {
    return firstNanos;
  }

  /** The name of the application's one stream thread. */
  public String streamThreadName() {
    return streams.metadataForLocalThreads().iterator().next().threadName();
  }

  /** Input records the application has consumed so far. */
  public long consumed() {
    return consumed.get();
  }

  /** Waits until the application has consumed {@code records}; false at the deadline. */
  public boolean awaitConsumed(long records, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (consumed.get() < records) {
      if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private volatile ReadOnlyKeyValueStore<String, byte[]> store;

  /**
   * How many events of {@code key} the application has counted, as an interactive query of its
   * store answers now: the store's cache included, so what it processed before its next commit too.
   */
  public long count(String key) {
    ReadOnlyKeyValueStore<String, byte[]> s = store;
    if (s == null) {
      s = store = streams.store(StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
    }
    byte[] totals = s.get(key);
    return totals == null ? 0 : ByteBuffer.wrap(totals).getLong(8);
  }

  /** Key → [total, n] as the application's store holds it now (after its latest commit). */
  public Map<String, long[]> totals() {
    ReadOnlyKeyValueStore<String, byte[]> store = streams.store(
        StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
    Map<String, long[]> out = new HashMap<>();
    try (KeyValueIterator<String, byte[]> all = store.all()) {
      while (all.hasNext()) {
        KeyValue<String, byte[]> entry = all.next();
        ByteBuffer t = ByteBuffer.wrap(entry.value);
        out.put(entry.key, new long[] {t.getLong(0), t.getLong(8)});
      }
    }
    return out;
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    streams.cleanUp();
  }
}
