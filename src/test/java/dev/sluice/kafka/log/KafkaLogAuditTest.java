package dev.sluice.kafka.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Event;
import dev.sluice.log.Partitioner;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The record format as {@code sluice verify --backend kafka} checks it (docs/kafka.md "Record format"), record by record. */
class KafkaLogAuditTest {
  private static final StreamSpec ORDERS = new StreamSpec("orders", StreamKind.STREAM, "order_id", 4);
  private static final StreamSpec USERS = new StreamSpec("users", StreamKind.TABLE, "user_id", 4);

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The record as a consumer reads it back, from what Sluice's encoder writes. */
  private static ConsumerRecord<byte[], byte[]> written(StreamSpec spec, Event event) {
    int p = Partitioner.partition(event.key(), spec.partitions());
    ProducerRecord<byte[], byte[]> sent = RecordFormat.encode("c." + spec.name(), p, event, 1_700_000_000_000L);
    return record(p, sent.key(), sent.value(), sent.timestamp(), new RecordHeaders(sent.headers().toArray()));
  }

  private static ConsumerRecord<byte[], byte[]> record(int partition, byte[] key, byte[] value, long time, RecordHeaders headers) {
    return new ConsumerRecord<>("c.orders", partition, 7, time, TimestampType.CREATE_TIME, -1, -1, key, value, headers, Optional.empty());
  }

  @Test
  void whatSluiceWritesDecodes() {
    assertThat(KafkaLogAudit.recordProblem(written(ORDERS, new Event("o1", "client-1", 5L, List.of("a", "b"), false,
        utf8("{\"order_id\":\"o1\",\"amount\":3}"))), ORDERS)).isNull();
    assertThat(KafkaLogAudit.recordProblem(written(ORDERS, new Event("o2", null, null, List.of(), false, utf8("{}"))), ORDERS)).isNull();
    assertThat(KafkaLogAudit.recordProblem(written(USERS, new Event("u1", null, null, List.of(), true, utf8("{}"))), USERS))
        .as("a table's _delete is a tombstone").isNull();
  }

  @Test
  void eachBreachOfTheRecordFormatIsNamed() {
    int p = Partitioner.partition("o1", 4);
    byte[] ok = utf8("{\"order_id\":\"o1\"}");
    assertThat(KafkaLogAudit.recordProblem(record(p, null, ok, 1, new RecordHeaders()), ORDERS)).isEqualTo("it has no key (_key)");
    assertThat(KafkaLogAudit.recordProblem(record(p, new byte[] {(byte) 0xC3, 0x28}, ok, 1, new RecordHeaders()), ORDERS))
        .isEqualTo("its key is not UTF-8");
    assertThat(KafkaLogAudit.recordProblem(record((p + 1) % 4, utf8("o1"), ok, 1, new RecordHeaders()), ORDERS))
        .isEqualTo("its key 'o1' belongs in partition " + p);
    assertThat(KafkaLogAudit.recordProblem(record(p, utf8("o1"), null, 1, new RecordHeaders()), ORDERS))
        .startsWith("its value is null (a tombstone)");
    assertThat(KafkaLogAudit.recordProblem(record(p, utf8("o1"), utf8("{\"order_id\":"), 1, new RecordHeaders()), ORDERS))
        .startsWith("its value is not JSON (");
    assertThat(KafkaLogAudit.recordProblem(record(p, utf8("o1"), utf8("{} {}"), 1, new RecordHeaders()), ORDERS))
        .as("trailing content").startsWith("its value is not JSON (");
    assertThat(KafkaLogAudit.recordProblem(record(p, utf8("o1"), utf8("[1,2]"), 1, new RecordHeaders()), ORDERS))
        .isEqualTo("its value is JSON but not an object");
    assertThat(KafkaLogAudit.recordProblem(record(p, utf8("o1"), ok, -1, new RecordHeaders()), ORDERS)).isEqualTo("it has no timestamp (_time)");
    RecordHeaders other = new RecordHeaders();
    other.add(new RecordHeader("trace", utf8("x")));
    assertThat(KafkaLogAudit.recordProblem(record(p, utf8("o1"), ok, 1, other), ORDERS))
        .isEqualTo("it has a header 'trace', which the record format does not have");
    RecordHeaders twoIds = new RecordHeaders();
    twoIds.add(new RecordHeader("_id", utf8("a")));
    twoIds.add(new RecordHeader("_id", utf8("b")));
    assertThat(KafkaLogAudit.recordProblem(record(p, utf8("o1"), ok, 1, twoIds), ORDERS)).isEqualTo("it has 2 _id headers");
    RecordHeaders emptyId = new RecordHeaders();
    emptyId.add(new RecordHeader("_id", new byte[0]));
    assertThat(KafkaLogAudit.recordProblem(record(p, utf8("o1"), ok, 1, emptyId), ORDERS)).isEqualTo("its _id header is empty or not UTF-8");
  }
}
