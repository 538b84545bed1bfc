package dev.sluice.bench.kafka;

import dev.sluice.bench.Histogram;
import dev.sluice.kafka.broker.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka half of {@code ./sluice bench log}: durable produce throughput and acknowledgement
 * latency against a real broker, in the shapes Sluice's own append benchmark uses.
 *
 * <p>Each scenario gets a fresh topic ({@link Settings#partitions()} partitions, replication 1) and
 * one idempotent producer with {@code acks=all}, shared by all its writers: Kafka's producer is
 * thread-safe and batches records of all threads together, which is the way Kafka recommends and
 * its fastest (the analogue of Sluice's group commit). Each writer is a thread that sends a batch
 * of N records of 100-byte values with short string keys, then waits for all N acknowledgements
 * before the next batch. A record's latency runs from just before {@code send} to its callback.
 * Records acknowledged during the warm-up are not counted; the scenario then runs for
 * {@link Settings#duration()} and counts the records acknowledged within it.
 */
public final class KafkaAppendBench {
  /** The value size of every record, as in Sluice's benchmark. */
  public static final int VALUE_BYTES = 100;
  // Short string keys "key-0" .. "key-1023", spread over all partitions by Kafka's key hash; made
  // once so that the writers measure Kafka, not string building.
  private static final byte[][] KEYS = IntStream.range(0, 1024)
      .mapToObj(i -> ("key-" + i).getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
  // Kafka's producer fails a record after delivery.timeout.ms (120 s by default); a batch still
  // unacknowledged after that plus a margin means the bench itself is stuck.
  private static final long BATCH_WAIT_LIMIT_S = 150;
  private static final long ADMIN_LIMIT_S = 60;

  private KafkaAppendBench() {}

  /** How the broker makes an acknowledged record durable. */
  public enum Durability {
    /**
     * Topic {@code flush.messages=1}: the leader fsyncs each appended batch before it acknowledges
     * (with one replica, {@code acks=all} waits for that). Equal to Sluice's durable append.
     */
    FSYNC_EVERY_MESSAGE("kafka-fsync", Map.of(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, "1")),
    /**
     * Kafka's default: acknowledged once in the page cache of the in-sync replicas; the OS writes
     * it back later. A machine crash can lose acknowledged records when there is one replica.
     */
    PAGE_CACHE("kafka-page-cache", Map.of());

    private final String scenario;
    private final Map<String, String> topicConfig;

    Durability(String scenario, Map<String, String> topicConfig) {
      this.scenario = scenario;
      this.topicConfig = topicConfig;
    }

    /** The scenario name printed and returned in {@link Result#scenario()}. */
    public String scenario() {
      return scenario;
    }
  }

  /**
   * What to run: every combination of {@code durabilities}, {@code writers} and {@code batches},
   * each for {@code warmup} then {@code duration}.
   */
  public record Settings(Duration duration, Duration warmup, int partitions,
      List<Durability> durabilities, List<Integer> writers, List<Integer> batches) {
    public Settings {
      if (duration.isNegative() || duration.isZero() || warmup.isNegative() || partitions < 1
          || durabilities.isEmpty() || writers.isEmpty() || batches.isEmpty()
          || writers.stream().anyMatch(w -> w < 1) || batches.stream().anyMatch(b -> b < 1)) {
        throw new IllegalArgumentException("bad bench settings: " + this);
      }
      durabilities = List.copyOf(durabilities);
      writers = List.copyOf(writers);
      batches = List.copyOf(batches);
    }

    /** 5 s after 2 s of warm-up, 4 partitions, both durabilities, 1 and 16 writers, 1/100/1000. */
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(5), Duration.ofSeconds(2), 4,
          List.of(Durability.values()), List.of(1, 16), List.of(1, 100, 1000));
    }

    public Settings withDuration(Duration newDuration) {
      return new Settings(newDuration, warmup, partitions, durabilities, writers, batches);
    }
  }

  /**
   * One scenario's figures. {@code mbPerS} counts value bytes only (10^6 bytes per MB), so that it
   * compares with Sluice's figure whatever each system adds per record.
   */
  public record Result(String scenario, int writers, int batch, int lingerMs, long events,
      double eventsPerS, double mbPerS, double p50Ms, double p99Ms, double p999Ms) {

    /** One human line, as printed while the bench runs. */
    public String line() {
      return String.format(Locale.ROOT,
          "%-16s writers=%-2d batch=%-4d linger=%dms %,10.0f events/s %6.2f MB/s"
              + "  ack p50=%.2f p99=%.2f p99.9=%.2f ms",
          scenario, writers, batch, lingerMs, eventsPerS, mbPerS, p50Ms, p99Ms, p999Ms);
    }
  }

  /**
   * Runs every scenario of {@code settings} against the broker at {@code bootstrap}, one after
   * another, passing each result's {@link Result#line()} to {@code progress} as it completes.
   * Creates one topic per scenario and deletes it afterwards.
   */
  public static List<Result> run(String bootstrap, Settings settings, Consumer<String> progress)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<Result> results = new ArrayList<>();
    String runId = UUID.randomUUID().toString().substring(0, 8);
    Map<String, Object> adminConfig = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(adminConfig)) {
      for (Durability durability : settings.durabilities()) {
        for (int writers : settings.writers()) {
          for (int batch : settings.batches()) {
            String topic = "sluice-bench-%s-w%d-b%d-%s"
                .formatted(durability.scenario(), writers, batch, runId);
            KafkaBroker.createTopic(admin, new NewTopic(topic, settings.partitions(), (short) 1)
                .configs(durability.topicConfig));
            try {
              Result result = scenario(bootstrap, topic, settings, durability, writers, batch);
              results.add(result);
              progress.accept(result.line());
            } finally {
              admin.deleteTopics(List.of(topic)).all().get(ADMIN_LIMIT_S, TimeUnit.SECONDS);
            }
          }
        }
      }
    }
    return results;
  }

  private static Result scenario(String bootstrap, String topic, Settings settings,
      Durability durability, int writers, int batch)
      throws InterruptedException, ExecutionException {
    long measureFrom = System.nanoTime() + settings.warmup().toNanos();
    long measureUntil = measureFrom + settings.duration().toNanos();
    Window window = new Window(measureFrom, measureUntil);
    int lingerMs = lingerMs(writers, batch);
    try (var producer = new KafkaProducer<>(producerConfig(bootstrap, lingerMs),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int first = w;
        threads.add(Thread.ofPlatform().name("kafka-bench-writer-" + w)
            .start(() -> write(producer, topic, batch, first, window)));
      }
      for (Thread thread : threads) {
        thread.join();
      }
    }
    if (window.failure().get() != null) {
      throw new ExecutionException("Kafka bench scenario " + topic + " failed",
          window.failure().get());
    }
    double seconds = settings.duration().toNanos() / 1e9;
    long events = window.acknowledged().sum();
    double eventsPerS = events / seconds;
    return new Result(durability.scenario(), writers, batch, lingerMs, events, eventsPerS,
        eventsPerS * VALUE_BYTES / 1e6, window.latency().quantileMs(0.50),
        window.latency().quantileMs(0.99), window.latency().quantileMs(0.999));
  }

  /** What the writers of one scenario share: when to count, what was counted, the first error. */
  private record Window(long fromNanos, long untilNanos, Histogram latency,
      LongAdder acknowledged, AtomicReference<Throwable> failure) {
    Window(long fromNanos, long untilNanos) {
      this(fromNanos, untilNanos, new Histogram(), new LongAdder(), new AtomicReference<>());
    }

    void acknowledged(long sentNanos, long ackNanos) {
      if (ackNanos >= fromNanos && ackNanos < untilNanos) {
        latency.recordNanos(ackNanos - sentNanos);
        acknowledged.increment();
      }
    }
  }

  /** One writer: batches of {@code batch} records until the window closes or a send fails. */
  private static void write(KafkaProducer<byte[], byte[]> producer, String topic, int batch,
      int firstKey, Window window) {
    byte[] value = new byte[VALUE_BYTES];
    int key = firstKey;
    try {
      while (System.nanoTime() < window.untilNanos() && window.failure().get() == null) {
        CountDownLatch pending = new CountDownLatch(batch);
        for (int i = 0; i < batch; i++) {
          byte[] keyBytes = KEYS[key];
          key = (key + 1) % KEYS.length;
          long sentNanos = System.nanoTime();
          producer.send(new ProducerRecord<>(topic, keyBytes, value), (metadata, error) -> {
            if (error != null) {
              window.failure().compareAndSet(null, error);
            } else {
              window.acknowledged(sentNanos, System.nanoTime());
            }
            pending.countDown();
          });
        }
        if (!pending.await(BATCH_WAIT_LIMIT_S, TimeUnit.SECONDS)) {
          throw new IllegalStateException("no acknowledgement for " + BATCH_WAIT_LIMIT_S + " s");
        }
      }
    } catch (InterruptedException e) {
      window.failure().compareAndSet(null, e);
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      window.failure().compareAndSet(null, e);
    }
  }

  /**
   * Kafka's best settings for this closed loop, all else default. batch.size 256 KiB: a round of
   * 1000 records to one partition fits one request instead of ten of the default 16 KiB. No
   * compression, as Sluice stores values as they come. linger.ms from {@link #lingerMs}.
   */
  static Map<String, Object> producerConfig(String bootstrap, int lingerMs) {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
        ProducerConfig.LINGER_MS_CONFIG, lingerMs,
        ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
  }

  /**
   * Lingering pays only when other writers add records to a batch while it waits: 5 ms (Kafka
   * 4's default) for many writers with batches of 100 or more, measured up to twice as fast at 16
   * writers and 1000 records with fsync; 0 otherwise, because a lone writer waiting for its
   * acknowledgements has nobody to wait for, and single records from many writers already merge
   * behind the requests in flight (there, 5 ms was measured to halve throughput).
   */
  static int lingerMs(int writers, int batch) {
    return writers > 1 && batch >= 100 ? 5 : 0;
  }

  /**
   * Starts a throwaway broker and runs the default scenarios against it. Optional argument: the
   * measured duration of each scenario in seconds (default 5).
   */
  public static void main(String[] args) throws Exception {
    // This main owns the process: keep the clients' configuration dumps out of the figures.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    Settings settings = args.length == 0 ? Settings.defaults()
        : Settings.defaults().withDuration(Duration.ofSeconds(Long.parseLong(args[0])));
    try (KafkaBroker kafka = KafkaBroker.startTemporary()) {
      System.out.println("Kafka broker at " + kafka.bootstrapServers() + "; " + settings);
      run(kafka.bootstrapServers(), settings, System.out::println);
    }
  }
}
