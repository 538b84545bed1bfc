package dev.sluice.kafka.log;

import dev.sluice.log.Event;
import dev.sluice.log.Ids;
import dev.sluice.log.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * How an event is stored as a Kafka record (docs/kafka.md "Record format"): key = {@code _key},
 * value = the JSON value (null for a table's {@code _delete}, Kafka's tombstone), timestamp =
 * {@code _time}, a {@code _id} header when the client gave an id, one {@code _causes} header per
 * cause. An event without a client id has none: its id is derived from its position.
 */
public final class RecordFormat {
  static final String ID_HEADER = "_id";
  static final String CAUSES_HEADER = "_causes";
  private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);

  private RecordFormat() {}

  /** The record of {@code event} in {@code topic}'s {@code partition} (also what a constraint's fenced writer sends). */
  public static ProducerRecord<byte[], byte[]> encode(String topic, int partition, Event event, long timeMs) {
    Headers headers = new RecordHeaders();
    if (event.id() != null) {
      headers.add(ID_HEADER, event.id().getBytes(StandardCharsets.UTF_8));
    }
    for (String cause : event.causes()) {
      headers.add(CAUSES_HEADER, cause.getBytes(StandardCharsets.UTF_8));
    }
    byte[] value = event.delete() ? null : event.value();
    return new ProducerRecord<>(topic, partition, timeMs, event.key().getBytes(StandardCharsets.UTF_8), value, headers);
  }

  /** The client's id of a stored record, or null when its id is the generated one. */
  static String clientId(ConsumerRecord<byte[], byte[]> record) {
    Header id = record.headers().lastHeader(ID_HEADER);
    return id == null ? null : new String(id.value(), StandardCharsets.UTF_8);
  }

  static Record decode(ConsumerRecord<byte[], byte[]> record) {
    String id = null;
    List<String> causes = List.of();
    Header[] headers = record.headers().toArray();
    if (headers.length > 0) {
      id = clientId(record);
      List<String> found = new ArrayList<>();
      for (Header h : headers) {
        if (CAUSES_HEADER.equals(h.key())) {
          found.add(new String(h.value(), StandardCharsets.UTF_8));
        }
      }
      causes = List.copyOf(found);
    }
    String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
    boolean delete = record.value() == null;
    return new Record(
        record.partition(),
        record.offset(),
        key,
        id == null ? Ids.generated(record.partition(), record.offset()) : id,
        record.timestamp(),
        causes,
        delete,
        delete ? EMPTY_OBJECT : record.value());
  }

  /** Bytes a record takes on the wire, roughly: what {@code GET /streams} reports as size. */
  static long sizeBytes(ConsumerRecord<byte[], byte[]> record) {
    long size = Math.max(0, record.serializedKeySize()) + Math.max(0, record.serializedValueSize());
    for (Header h : record.headers()) {
      size += h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    return size;
  }
}
