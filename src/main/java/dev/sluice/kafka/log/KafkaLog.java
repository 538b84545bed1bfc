package dev.sluice.kafka.log;

import dev.sluice.kafka.broker.KafkaBroker;
import dev.sluice.log.AppendLimits;
import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import dev.sluice.log.StreamNames;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.StreamStats;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The event log on Apache Kafka (docs/kafka.md). A stream is the topic {@code <cluster>.<stream>}
 * with the stream's partitions; an event is a record (see {@link RecordFormat}); declarations live
 * in the compacted topic {@code <cluster>._catalog}. Positions are Kafka offsets: strictly
 * increasing per partition, with gaps where transaction markers sit.
 *
 * <p>Three parts: the {@link Tail} follows the catalog and every partition (catalog, dedup index,
 * where committed records end); the {@link Appender} writes requests in transactions; the
 * {@link Readers} serve reads.
 */
public final class KafkaLog implements EventLog {
  private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9_-]{1,100}");
  public static final String CATALOG_SUFFIX = "._catalog";
  private static final long ADMIN_LIMIT_S = 60;
  /** How long open() tries to reach the cluster before it says it cannot. */
  private static final long REACH_LIMIT_S = 15;
  private static final long READY_LIMIT_MS = 120_000;
  /** The tail's fetch.max.wait.ms; see the constructor. */
  static final int TAIL_FETCH_WAIT_MS = 500;
  /** How long create() waits for a stream whose topic another instance is creating. */
  private static final long CONCURRENT_CREATE_WAIT_MS = 10_000;

  /** Settings; {@link #defaults(String)} are those of {@code sluice serve --backend kafka}. */
  public record Options(
      String bootstrapServers,
      String cluster,
      int eventBytesMax,
      long requestBytesMax,
      int queuedRequestsMax,
      String transactionalId,
      Duration transactionTimeout,
      Map<String, String> clientOverrides) {

    public static Options defaults(String bootstrapServers) {
      return new Options(bootstrapServers, "sluice", 1024 * 1024, 64L * 1024 * 1024, 8192, null,
          Duration.ofSeconds(10), Map.of());
    }

    public Options withCluster(String name) {
      return new Options(bootstrapServers, name, eventBytesMax, requestBytesMax, queuedRequestsMax, transactionalId, transactionTimeout, clientOverrides);
    }

    /**
     * Settings passed to every Kafka client Sluice makes (security, timeouts): they override
     * Sluice's own, so only set what the cluster needs (for example {@code security.protocol},
     * {@code sasl.*}, {@code ssl.*}).
     */
    public Options withClientOverrides(Map<String, String> overrides) {
      return new Options(bootstrapServers, cluster, eventBytesMax, requestBytesMax, queuedRequestsMax, transactionalId, transactionTimeout,
          Map.copyOf(overrides));
    }

    public Options withLimits(int eventBytes, long requestBytes) {
      return new Options(bootstrapServers, cluster, eventBytes, requestBytes, queuedRequestsMax, transactionalId, transactionTimeout, clientOverrides);
    }

    /**
     * A transactional id that stays the same across restarts of this instance: the restarted
     * producer then aborts at once what the old one left open, instead of readers waiting
     * {@code transactionTimeout} for the broker to abort it.
     */
    public Options withTransactionalId(String id) {
      return new Options(bootstrapServers, cluster, eventBytesMax, requestBytesMax, queuedRequestsMax, id, transactionTimeout, clientOverrides);
    }

    void check() {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("the Kafka bootstrap servers (HOST:PORT[,…]) are missing");
      }
      if (cluster == null || !CLUSTER.matcher(cluster).matches()) {
        throw new IllegalArgumentException(
            "invalid cluster name '" + cluster + "': use 1 to 100 letters, digits, '_' or '-'");
      }
    }
  }

  private final Options options;
  private final Admin admin;
  private final ConcurrentHashMap<String, StreamState> streams = new ConcurrentHashMap<>();
  private final Tail tail;
  private final Appender appender;
  private final Readers readers;
  private final KafkaProducer<byte[], byte[]> catalogProducer;
  private final CatalogTopic catalogTopic;
  /** Opened by {@link #openForReading}: no appender, no topic created, appends refused. */
  private final boolean reading;

  private KafkaLog(Options options, Admin admin, boolean reading) {
    this.options = options;
    this.admin = admin;
    this.reading = reading;
    // Reading only, nothing is written: no producer at all.
    this.catalogProducer = reading ? null : producer(null);
    this.catalogTopic = new CatalogTopic(catalogTopic(options.cluster()), catalogProducer);
    // The tail waits up to 500 ms (Kafka's default) for a fetch: the broker answers as soon as a
    // transaction commits, so a longer wait costs another instance's appends only ~4 ms at p50
    // (12 ms against 8 ms at 5 ms), while a 5 ms wait made 200 fetches a second that cost an
    // idle instance a third of a core, broker and client together (docs/kafka.md "Reads"). This
    // instance's own commits wake its views without the tail. Readers wait 1 ms: they poll only
    // when a committed record is known to be there.
    this.tail = new Tail(consumer("tail", Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(TAIL_FETCH_WAIT_MS))), options.cluster(), streams, catalogTopic);
    String txId = options.transactionalId() != null ? options.transactionalId() : "sluice-" + options.cluster() + "-" + UUID.randomUUID();
    this.readers = new Readers(() -> consumer("reader", Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "1")), options.cluster());
    this.appender = new Appender(options.queuedRequestsMax(), () -> producer(txId),
        consumer("ends", Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted")), readers, options.cluster());
  }

  /** Connects to the cluster, creating the catalog topic if missing, and reads the catalog. */
  public static KafkaLog open(Options options) {
    return open(options, false);
  }

  /**
   * Opens the log to read it only (what {@code sluice verify} does): the catalog topic must exist
   * already, no transactional producer is started, and {@link #append} and {@link #create} are
   * refused. Its consumers are assigned partitions, so it joins no consumer group.
   */
  public static KafkaLog openForReading(Options options) {
    return open(options, true);
  }

  private static KafkaLog open(Options options, boolean reading) {
    options.check();
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    adminProps.putAll(options.clientOverrides());
    Admin admin = Admin.create(adminProps);
    KafkaLog log = null;
    try {
      try {
        admin.describeCluster().nodes().get(REACH_LIMIT_S, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
        throw new LogException(ErrorCode.LOG_FAILED,
            "cannot reach Kafka at " + options.bootstrapServers() + " within " + REACH_LIMIT_S + " s", e);
      }
      if (reading) {
        String catalog = catalogTopic(options.cluster());
        if (!admin.listTopics().names().get(ADMIN_LIMIT_S, TimeUnit.SECONDS).contains(catalog)) {
          throw new LogException(ErrorCode.NOT_FOUND, "Kafka at " + options.bootstrapServers() + " has no topic " + catalog
              + ": no Sluice cluster '" + options.cluster() + "' there (see --cluster)");
        }
      } else {
        ensureCatalogTopic(admin, options.cluster());
      }
      log = new KafkaLog(options, admin, reading);
      log.start();
      return log;
    } catch (RuntimeException | InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
      if (log != null) {
        log.close();
      } else {
        admin.close(Duration.ofSeconds(5));
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw e instanceof LogException le ? le : new LogException(ErrorCode.LOG_FAILED,
          "cannot open the Kafka log at " + options.bootstrapServers() + " (cluster '" + options.cluster() + "'): " + e.getMessage(), e);
    }
  }

  private void start() throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    TopicPartition catalog = new TopicPartition(catalogTopic(options.cluster()), 0);
    long catalogEnd = admin.listOffsets(Map.of(catalog, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
        .all().get(ADMIN_LIMIT_S, TimeUnit.SECONDS).get(catalog).offset();
    tail.start();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_LIMIT_MS);
    if (!tail.awaitCatalog(catalogEnd - 1, deadline)) {
      throw new LogException(ErrorCode.LOG_FAILED, "reading the catalog topic " + catalog.topic() + " took too long");
    }
    for (StreamState s : streams.values()) {
      awaitReady(s);
    }
    if (!reading) {
      appender.start();
    }
  }

  /** {@code <cluster>.<stream>}: the topic of a stream. */
  public static String streamTopic(String cluster, String stream) {
    return cluster + "." + stream;
  }

  /** {@code <cluster>._catalog}: the compacted topic of declarations. */
  public static String catalogTopic(String cluster) {
    return cluster + CATALOG_SUFFIX;
  }

  public Options options() {
    return options;
  }

  /** The catalog topic's declarations other than streams (views), read by this instance's tail. */
  public CatalogTopic catalog() {
    return catalogTopic;
  }

  private static void ensureCatalogTopic(Admin admin, String cluster)
      throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    NewTopic topic = new NewTopic(catalogTopic(cluster), Optional.of(1), Optional.empty())
        .configs(Map.of("cleanup.policy", "compact", "retention.ms", "-1"));
    try {
      KafkaBroker.createTopic(admin, topic);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer(String role, Map<String, String> extra) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-" + options.cluster() + "-" + role);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
    p.putAll(extra);
    p.putAll(options.clientOverrides());
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private KafkaProducer<byte[], byte[]> producer(String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    // Room for the largest event (with its headers) and for a whole request buffered at once.
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(options.eventBytesMax() + 64 * 1024));
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(options.requestBytesMax() * 2));
    if (transactionalId != null) {
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
      p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(options.transactionTimeout().toMillis()));
      p.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-" + options.cluster() + "-appender");
    } else {
      p.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-" + options.cluster() + "-catalog");
    }
    p.putAll(options.clientOverrides());
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public synchronized StreamSpec create(StreamSpec spec, boolean ifNotExists) {
    refuseIfReading("create stream '" + spec.name() + "'");
    Optional<StreamSpec> existing = stream(spec.name());
    if (existing.isPresent()) {
      return exists(existing.get(), spec, ifNotExists);
    }
    String topic = streamTopic(options.cluster(), spec.name());
    NewTopic newTopic = new NewTopic(topic, Optional.of(spec.partitions()), Optional.empty())
        .configs(Map.of(
            "retention.ms", "-1",
            "max.message.bytes", String.valueOf(options.eventBytesMax() + 64 * 1024)));
    try {
      try {
        KafkaBroker.createTopic(admin, newTopic);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
        StreamSpec declared = awaitDeclaration(spec.name(), CONCURRENT_CREATE_WAIT_MS);
        if (declared != null) {
          return exists(declared, spec, ifNotExists);
        }
        // The topic without a declaration: a create that stopped between the two. Adopt it if it fits.
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(ADMIN_LIMIT_S, TimeUnit.SECONDS).get(topic);
        if (d.partitions().size() != spec.partitions()) {
          throw new LogException(ErrorCode.STREAM_EXISTS, "topic '" + topic + "' exists with " + d.partitions().size()
              + " partitions but no declaration; delete it or declare the stream with PARTITIONS " + d.partitions().size());
        }
      }
      long at = catalogProducer.send(new ProducerRecord<>(catalogTopic(options.cluster()), 0, CatalogEntry.key(spec), CatalogEntry.value(spec)))
          .get(ADMIN_LIMIT_S, TimeUnit.SECONDS).offset();
      if (!tail.awaitCatalog(at, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_LIMIT_MS))) {
        throw new LogException(ErrorCode.LOG_FAILED, "the declaration of '" + spec.name() + "' did not come back from Kafka in time");
      }
      StreamState state = require(spec.name());
      return exists(state.spec, spec, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.LOG_FAILED, "interrupted while creating stream '" + spec.name() + "'", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot create stream '" + spec.name() + "' on Kafka: " + e.getMessage(), e);
    }
  }

  private void refuseIfReading(String what) {
    if (reading) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "cannot " + what + ": this Kafka log is open for reading only");
    }
  }

  private static StreamSpec exists(StreamSpec existing, StreamSpec wanted, boolean ifNotExists) {
    if (ifNotExists && existing.equals(wanted)) {
      return existing;
    }
    throw new LogException(ErrorCode.STREAM_EXISTS, "stream '" + wanted.name() + "' already exists"
        + (existing.equals(wanted) ? "" : " with a different declaration (" + existing.kind() + " KEY " + existing.keyField()
            + " PARTITIONS " + existing.partitions() + ")"));
  }

  private StreamSpec awaitDeclaration(String name, long waitMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    while (System.nanoTime() < deadline) {
      StreamState s = streams.get(name);
      if (s != null) {
        return s.spec;
      }
      Thread.sleep(50);
    }
    return null;
  }

  @Override
  public Optional<StreamSpec> stream(String name) {
    StreamState s = name == null ? null : streams.get(name);
    return s == null ? Optional.empty() : Optional.of(s.spec);
  }

  @Override
  public List<StreamSpec> streams() {
    return streams.values().stream().map(s -> s.spec).sorted(Comparator.comparing(StreamSpec::name)).toList();
  }

  @Override
  public StreamStats stats(String stream) {
    StreamState s = require(stream);
    long[] ends = new long[s.spec.partitions()];
    for (int p = 0; p < ends.length; p++) {
      ends[p] = s.dataEnd(p);
    }
    return new StreamStats(s.spec, ends, s.events(), s.sizeBytes());
  }

  @Override
  public CompletableFuture<AppendResult> append(String stream, List<Event> events) {
    refuseIfReading("append to '" + stream + "'");
    StreamState s = require(stream);
    AppendLimits.check(stream, s.spec, events, options.eventBytesMax(), options.requestBytesMax());
    return appender.submit(s, List.copyOf(events));
  }

  @Override
  public List<Record> read(String stream, int partition, long from, int maxRecords) {
    StreamState s = require(stream);
    checkPartition(s, partition);
    if (maxRecords < 0 || from < 0) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "from and maxRecords must not be negative");
    }
    long end = s.dataEnd(partition);
    if (maxRecords == 0 || from >= end) {
      return List.of();
    }
    return readers.read(new TopicPartition(s.topic, partition), from, maxRecords, end);
  }

  @Override
  public long endOffset(String stream, int partition) {
    StreamState s = require(stream);
    checkPartition(s, partition);
    return s.dataEnd(partition);
  }

  @Override
  public CompletableFuture<Void> awaitRecord(String stream, int partition, long offset) {
    StreamState s = require(stream);
    checkPartition(s, partition);
    return s.awaitRecord(partition, offset);
  }

  /** Client ids are found in the dedup index (kafka.md "Deduplication of _id"), so lineage finds them. */
  @Override
  public Optional<Position> locate(String stream, String id) {
    Position original = require(stream).original(id);
    return original != null ? Optional.of(new Position(original.partition(), original.offset(), false))
        : EventLog.super.locate(stream, id);
  }

  /** Client ids in the stream's dedup index (for status and tests). */
  public int indexedIds(String stream) {
    return require(stream).indexedIds();
  }

  private static void checkPartition(StreamState s, int p) {
    if (p < 0 || p >= s.spec.partitions()) {
      throw new LogException(ErrorCode.UNKNOWN_PARTITION,
          "stream '" + s.spec.name() + "' has partitions 0.." + (s.spec.partitions() - 1) + ", not " + p);
    }
  }

  private StreamState require(String stream) {
    RuntimeException failure = tail.failure();
    if (failure != null) {
      throw new LogException(ErrorCode.LOG_FAILED, "following the Kafka topics failed: " + failure.getMessage(), failure);
    }
    StreamState s = stream == null ? null : streams.get(stream);
    if (s == null) {
      if (stream != null) {
        StreamNames.check(stream);
      }
      throw new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + stream + "'");
    }
    awaitReady(s);
    return s;
  }

  private static void awaitReady(StreamState s) {
    if (s.ready.isDone() && !s.ready.isCompletedExceptionally()) {
      return;
    }
    try {
      s.ready.get(READY_LIMIT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.LOG_FAILED, "interrupted while reading stream '" + s.spec.name() + "' from Kafka", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "reading stream '" + s.spec.name() + "' from Kafka failed: " + e, e);
    }
  }

  @Override
  public void close() {
    appender.close();
    tail.close();
    readers.close();
    if (catalogProducer != null) {
      catalogProducer.close(Duration.ofSeconds(5));
    }
    admin.close(Duration.ofSeconds(5));
  }
}
