package dev.sluice.kafka.log;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.log.Partitioner;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The log half of {@code sluice verify --backend kafka} (docs/kafka.md "Verify"): the catalog topic
 * and every declared stream's topic are read from their first offset to their committed end with a
 * read_committed consumer that is assigned its partitions (it joins no group, so the instances are
 * not disturbed) and checks Kafka's CRC of every batch ({@code check.crcs}). Each topic must exist
 * with the declared partitions and start at offset 0, and each record must decode under the record
 * format: a UTF-8 key in the partition its key hashes to, a JSON object as value (null only in a
 * table), a timestamp, and no headers but one {@code _id} and any {@code _causes}.
 *
 * <p>There is no hash chain to check: several instances append to one partition, so no instance can
 * chain a partition's records. Tamper evidence on Kafka rests on its ACLs and replication.
 */
public final class KafkaLogAudit {
  /** Problems named per partition at most; the rest are counted. */
  static final int PROBLEMS_PER_PARTITION_MAX = 20;
  private static final long ADMIN_LIMIT_S = 60;
  /** How long the audit tries to reach the cluster before it says it cannot (as serve). */
  private static final long REACH_LIMIT_S = 15;
  private static final Duration POLL = Duration.ofMillis(200);
  /** How long a partition may return nothing while records are known to be there. */
  private static final long STALL_LIMIT_MS = 30_000;
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * What the audit read.
   *
   * @param catalog the catalog topic's latest value per key (tombstones left out), as Sluice reads it
   * @param streams the streams the catalog declares
   * @param topicsMatch whether every stream declaration decodes and every declared stream's topic
   *     exists with its partitions: the log can then be opened to recompute from it (a missing
   *     topic would hold its reader up, a declaration that does not decode stops it)
   */
  public record Result(long catalogRecords, List<StreamSpec> streams, int partitions, long records,
      Map<String, byte[]> catalog, List<String> findings, boolean topicsMatch) {}

  private final KafkaLog.Options options;
  private final List<String> findings = new ArrayList<>();
  private long records;
  private int partitions;
  private boolean topicsMatch = true;

  private KafkaLogAudit(KafkaLog.Options options) {
    this.options = options;
  }

  /** Reads the cluster's catalog and streams; throws {@link LogException} when the cluster cannot be read at all. */
  public static Result run(KafkaLog.Options options) {
    options.check();
    return new KafkaLogAudit(options).audit();
  }

  private Result audit() {
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    adminProps.putAll(options.clientOverrides());
    try (Admin admin = Admin.create(adminProps);
        KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      String catalogTopic = KafkaLog.catalogTopic(options.cluster());
      Set<String> topics;
      try {
        admin.describeCluster().nodes().get(REACH_LIMIT_S, TimeUnit.SECONDS);
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new LogException(ErrorCode.LOG_FAILED, "cannot reach Kafka at " + options.bootstrapServers() + " within " + REACH_LIMIT_S + " s", e);
      }
      try {
        topics = admin.listTopics().names().get(ADMIN_LIMIT_S, TimeUnit.SECONDS);
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new LogException(ErrorCode.LOG_FAILED, "cannot list the topics of Kafka at " + options.bootstrapServers() + ": " + e.getMessage(), e);
      }
      if (!topics.contains(catalogTopic)) {
        throw new LogException(ErrorCode.NOT_FOUND, "Kafka at " + options.bootstrapServers() + " has no topic " + catalogTopic
            + ": no Sluice cluster '" + options.cluster() + "' there (see --cluster)");
      }
      Map<String, byte[]> catalog = new TreeMap<>();
      long[] catalogRecords = {0};
      read(consumer, catalogTopic, 1, record -> {
        catalogRecords[0]++;
        catalogRecord(record, catalog);
      });
      List<StreamSpec> streams = new ArrayList<>();
      catalog.forEach((key, value) -> {
        if (key.startsWith(CatalogEntry.STREAM_PREFIX)) {
          try {
            streams.add(CatalogEntry.stream(key.getBytes(StandardCharsets.UTF_8), value));
          } catch (IllegalStateException e) {
            // named when the catalog record was read
          }
        }
      });
      for (StreamSpec spec : streams) {
        stream(admin, consumer, spec);
      }
      return new Result(catalogRecords[0], List.copyOf(streams), partitions, records, catalog, List.copyOf(findings), topicsMatch);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.LOG_FAILED, "interrupted while reading Kafka", e);
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-" + options.cluster() + "-verify");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
    p.putAll(options.clientOverrides());
    // After the overrides: the audit is the CRC check of every batch it reads.
    p.put(ConsumerConfig.CHECK_CRCS_CONFIG, "true");
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private void catalogRecord(ConsumerRecord<byte[], byte[]> record, Map<String, byte[]> catalog) {
    String at = "catalog topic " + record.topic() + " offset " + record.offset();
    String key = record.key() == null ? null : utf8(record.key());
    if (key == null) {
      findings.add(at + ": its key is " + (record.key() == null ? "missing" : "not UTF-8"));
      return;
    }
    byte[] value = record.value();
    String problem = null;
    if (key.startsWith(CatalogEntry.STREAM_PREFIX)) {
      if (value != null) {
        try {
          StreamSpec spec = CatalogEntry.stream(record.key(), value);
          if (!spec.name().equals(key.substring(CatalogEntry.STREAM_PREFIX.length())) || spec.partitions() < 1) {
            problem = "declares stream '" + spec.name() + "' with " + spec.partitions() + " partitions under the key '" + key + "'";
          }
        } catch (IllegalStateException | IllegalArgumentException e) {
          problem = "the stream declaration does not decode: " + e.getMessage();
        }
      }
    } else if (key.startsWith("view:") || key.startsWith("constraint:")) {
      if (value != null) {
        problem = jsonObjectProblem(value);
        if (problem == null && key.startsWith("constraint:") && !json(value).path("constraint").isObject()) {
          problem = "the constraint declaration has no \"constraint\" object";
        }
      }
    } else if (key.startsWith("ack:")) {
      if (value != null) {
        try {
          Long.parseLong(utf8OrEmpty(value));
        } catch (NumberFormatException e) {
          problem = "an instance's acknowledgement is not an offset: '" + utf8OrEmpty(value) + "'";
        }
      }
    } else {
      problem = "the key '" + key + "' is none Sluice writes (stream:, view:, constraint:, ack:)";
    }
    if (problem != null) {
      if (key.startsWith(CatalogEntry.STREAM_PREFIX)) {
        topicsMatch = false;
      }
      findings.add(at + " (key '" + key + "'): " + problem);
      return;
    }
    if (value == null) {
      catalog.remove(key);
    } else {
      catalog.put(key, value);
    }
  }

  private void stream(Admin admin, KafkaConsumer<byte[], byte[]> consumer, StreamSpec spec) throws InterruptedException {
    String topic = KafkaLog.streamTopic(options.cluster(), spec.name());
    TopicDescription description;
    try {
      description = admin.describeTopics(List.of(topic)).allTopicNames().get(ADMIN_LIMIT_S, TimeUnit.SECONDS).get(topic);
    } catch (ExecutionException e) {
      topicsMatch = false;
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        findings.add("stream '" + spec.name() + "': its topic " + topic + " does not exist");
        return;
      }
      findings.add("stream '" + spec.name() + "': its topic " + topic + " cannot be described: " + e.getCause().getMessage());
      return;
    } catch (java.util.concurrent.TimeoutException e) {
      topicsMatch = false;
      findings.add("stream '" + spec.name() + "': describing its topic " + topic + " took over " + ADMIN_LIMIT_S + " s");
      return;
    }
    int actual = description.partitions().size();
    if (actual != spec.partitions()) {
      topicsMatch = false;
      findings.add("stream '" + spec.name() + "': its topic " + topic + " has " + actual + " partitions, but the stream is declared with "
          + spec.partitions());
    }
    int read = Math.min(actual, spec.partitions());
    partitions += read;
    Map<Integer, int[]> shown = new HashMap<>();
    read(consumer, topic, read, record -> {
      records++;
      String problem = recordProblem(record, spec);
      if (problem != null) {
        int[] n = shown.computeIfAbsent(record.partition(), p -> new int[1]);
        if (n[0]++ < PROBLEMS_PER_PARTITION_MAX) {
          findings.add("stream '" + spec.name() + "': topic " + topic + " partition " + record.partition() + " offset " + record.offset()
              + ": the record does not decode: " + problem);
        }
      }
    });
    shown.forEach((p, n) -> {
      if (n[0] > PROBLEMS_PER_PARTITION_MAX) {
        findings.add("stream '" + spec.name() + "': topic " + topic + " partition " + p + ": " + (n[0] - PROBLEMS_PER_PARTITION_MAX)
            + " more records do not decode");
      }
    });
  }

  /** What is wrong with a stream's record under the record format (docs/kafka.md); null when nothing. */
  static String recordProblem(ConsumerRecord<byte[], byte[]> record, StreamSpec spec) {
    if (record.key() == null) {
      return "it has no key (_key)";
    }
    String key = utf8(record.key());
    if (key == null) {
      return "its key is not UTF-8";
    }
    int expected = Partitioner.partition(key, spec.partitions());
    if (expected != record.partition()) {
      return "its key '" + key + "' belongs in partition " + expected;
    }
    if (record.value() == null) {
      if (spec.kind() != StreamKind.TABLE) {
        return "its value is null (a tombstone), which only a table's _delete is";
      }
    } else {
      String problem = jsonObjectProblem(record.value());
      if (problem != null) {
        return problem;
      }
    }
    if (record.timestamp() < 0) {
      return "it has no timestamp (_time)";
    }
    int ids = 0;
    for (Header h : record.headers()) {
      switch (h.key()) {
        case RecordFormat.ID_HEADER -> {
          ids++;
          if (h.value() == null || h.value().length == 0 || utf8(h.value()) == null) {
            return "its _id header is empty or not UTF-8";
          }
        }
        case RecordFormat.CAUSES_HEADER -> {
          if (h.value() == null || utf8(h.value()) == null) {
            return "a _causes header is empty or not UTF-8";
          }
        }
        default -> {
          return "it has a header '" + h.key() + "', which the record format does not have";
        }
      }
    }
    return ids > 1 ? "it has " + ids + " _id headers" : null;
  }

  private static String jsonObjectProblem(byte[] value) {
    JsonNode node;
    try {
      node = JSON.readTree(value);
    } catch (IOException e) {
      String message = String.valueOf(e.getMessage());
      int newline = message.indexOf('\n');
      return "its value is not JSON (" + (newline < 0 ? message : message.substring(0, newline)) + ")";
    }
    return node != null && node.isObject() ? null : "its value is JSON but not an object";
  }

  private static JsonNode json(byte[] value) {
    try {
      return JSON.readTree(value);
    } catch (IOException e) {
      return JSON.missingNode();
    }
  }

  /** The text of strict UTF-8 bytes; null when they are not. */
  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static String utf8OrEmpty(byte[] bytes) {
    String s = utf8(bytes);
    return s == null ? "" : s;
  }

  /**
   * Reads partitions 0..{@code count}-1 of {@code topic} from their first offset to their committed
   * end (as they were when the read began), handing each record to {@code visit}. What cannot be
   * read (a CRC that does not match, a partition that starts past 0, a stall) is a finding.
   */
  private void read(KafkaConsumer<byte[], byte[]> consumer, String topic, int count,
      Consumer<ConsumerRecord<byte[], byte[]>> visit) {
    List<TopicPartition> all = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      all.add(new TopicPartition(topic, p));
    }
    if (all.isEmpty()) {
      return;
    }
    consumer.assign(all);
    Map<TopicPartition, Long> starts = consumer.beginningOffsets(all);
    Map<TopicPartition, Long> ends = consumer.endOffsets(all); // read_committed: the last stable offset
    consumer.seekToBeginning(all);
    Set<TopicPartition> open = new HashSet<>();
    Map<TopicPartition, Long> last = new HashMap<>();
    for (TopicPartition tp : all) {
      long start = starts.getOrDefault(tp, 0L);
      if (start > 0) {
        findings.add("topic " + topic + " partition " + tp.partition() + " starts at offset " + start + ", not 0: records were deleted"
            + " (retention or delete-records), so what derives from them cannot be recomputed and their ids are no longer deduplicated");
      }
      if (ends.getOrDefault(tp, 0L) > start) {
        open.add(tp);
      }
    }
    consumer.pause(all);
    consumer.resume(open);
    long lastProgress = System.currentTimeMillis();
    while (!open.isEmpty()) {
      List<ConsumerRecord<byte[], byte[]>> polled = new ArrayList<>();
      try {
        consumer.poll(POLL).forEach(polled::add);
      } catch (KafkaException e) {
        // A batch whose CRC does not match, or that cannot be parsed: name where, and stop reading there.
        TopicPartition bad = failed(consumer, open, e);
        findings.add("topic " + topic + (bad == null ? "" : " partition " + bad.partition() + " at offset " + consumer.position(bad))
            + " cannot be read: " + e.getMessage());
        if (bad == null) {
          return;
        }
        open.remove(bad);
        consumer.pause(List.of(bad));
        continue;
      }
      for (ConsumerRecord<byte[], byte[]> record : polled) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Long previous = last.put(tp, record.offset());
        if (previous != null && record.offset() <= previous) {
          findings.add("topic " + topic + " partition " + tp.partition() + " offset " + record.offset() + " comes after offset " + previous);
        }
        if (record.offset() < ends.get(tp)) {
          visit.accept(record);
        }
      }
      if (!polled.isEmpty()) {
        lastProgress = System.currentTimeMillis();
      }
      for (TopicPartition tp : List.copyOf(open)) {
        if (consumer.position(tp) >= ends.get(tp)) {
          open.remove(tp);
          consumer.pause(List.of(tp));
        }
      }
      if (!open.isEmpty() && System.currentTimeMillis() - lastProgress > STALL_LIMIT_MS) {
        for (TopicPartition tp : open) {
          findings.add("topic " + topic + " partition " + tp.partition() + ": nothing could be read past offset " + consumer.position(tp)
              + " for " + STALL_LIMIT_MS / 1000 + " s, though its committed records end at " + ends.get(tp));
        }
        return;
      }
    }
  }

  /** The partition a failed poll was about: the one named in the error, else the only one left. */
  private static TopicPartition failed(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> open, KafkaException e) {
    String message = String.valueOf(e.getMessage());
    for (TopicPartition tp : open) {
      if (message.contains(tp.toString())) {
        return tp;
      }
    }
    return open.size() == 1 ? open.iterator().next() : null;
  }
}
