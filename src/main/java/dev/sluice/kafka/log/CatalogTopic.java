package dev.sluice.kafka.log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The declarations other than streams in the catalog topic (views, under {@code view:}), for the
 * parts of Sluice above the log: the latest record of each key as the tail read it, and what comes
 * after. The topic is compacted, so the latest record per key is the whole story; a null value is a
 * tombstone (the declaration was dropped).
 */
public final class CatalogTopic {
  /** What a listener hears: a record's key, value (null: tombstone) and offset in the topic. */
  public record Entry(String key, byte[] value, long offset) {}

  /** Called on the tail's thread: must not block. */
  public interface Listener {
    void received(Entry entry);
  }

  private final String topic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Map<String, Entry> latest = new HashMap<>();
  private final Map<String, List<Listener>> listeners = new HashMap<>();

  CatalogTopic(String topic, KafkaProducer<byte[], byte[]> producer) {
    this.topic = topic;
    this.producer = producer;
  }

  /** Writes {@code value} (null: a tombstone) under {@code key} and returns its offset once Kafka has it. */
  public long put(String key, byte[] value, long limitSeconds) throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    if (producer == null) {
      throw new dev.sluice.log.LogException(dev.sluice.log.ErrorCode.INVALID_ARGUMENT,
          "cannot write '" + key + "' to " + topic + ": the Kafka log is open for reading only");
    }
    return producer.send(new ProducerRecord<>(topic, 0, key.getBytes(StandardCharsets.UTF_8), value))
        .get(limitSeconds, TimeUnit.SECONDS).offset();
  }

  /**
   * The latest entry of every key starting with {@code prefix} (tombstones left out), and from
   * then on every new entry with that prefix to {@code listener}: nothing falls between the two.
   */
  public synchronized Map<String, Entry> follow(String prefix, Listener listener) {
    listeners.computeIfAbsent(prefix, p -> new ArrayList<>()).add(listener);
    Map<String, Entry> out = new TreeMap<>();
    latest.forEach((key, entry) -> {
      if (key.startsWith(prefix) && entry.value() != null) {
        out.put(key, entry);
      }
    });
    return out;
  }

  /** From the tail: a record that declares no stream. */
  synchronized void received(byte[] key, byte[] value, long offset) {
    if (key == null) {
      return;
    }
    Entry entry = new Entry(new String(key, StandardCharsets.UTF_8), value, offset);
    latest.put(entry.key(), entry);
    listeners.forEach((prefix, list) -> {
      if (entry.key().startsWith(prefix)) {
        list.forEach(l -> l.received(entry));
      }
    });
  }
}
