package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.Ids;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What the log tests share: keys that land in a chosen partition, and reading a partition whole. */
final class Fixtures {
  private Fixtures() {}

  /** For each partition of a stream of {@code partitions}, a key that lands in it. */
  static String[] keysByPartition(int partitions) {
    String[] keys = new String[partitions];
    int found = 0;
    for (int i = 0; found < partitions; i++) {
      String key = "key-" + i;
      int p = Partitioner.partition(key, partitions);
      if (keys[p] == null) {
        keys[p] = key;
        found++;
      }
    }
    return keys;
  }

  /** Every record of the partition, read in pages as a consumer would. */
  static List<Record> readAll(EventLog log, String stream, int partition) {
    List<Record> all = new ArrayList<>();
    while (true) {
      List<Record> page = log.read(stream, partition, all.size(), 97);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
    }
  }

  static Event event(String key, String id, String value) {
    return new Event(key, id, null, List.of(), false, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Whether {@code record}, stored at its position, is {@code event}. */
  static boolean holds(Record record, Event event) {
    String id = event.id() != null ? event.id() : Ids.generated(record.partition(), record.offset());
    return record.key().equals(event.key()) && record.id().equals(id) && Arrays.equals(record.value(), event.value());
  }

  /** {@code list} begins with {@code prefix}, which may be empty. */
  static <T> void assertBeginsWith(List<T> list, List<T> prefix, String what) {
    assertThat(list).as(what).hasSizeGreaterThanOrEqualTo(prefix.size());
    assertThat(list.subList(0, prefix.size())).as(what).isEqualTo(prefix);
  }

  static String text(Record record) {
    return record.partition() + "/" + record.offset() + " key=" + record.key() + " id=" + record.id()
        + " value=" + new String(record.value(), StandardCharsets.UTF_8);
  }
}
