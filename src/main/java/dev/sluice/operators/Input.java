package dev.sluice.operators;

import dev.sluice.log.Record;
import java.util.List;
import java.util.Objects;

/**
 * One event of a source as the engine hands it to a dataflow: where it sits in the log, its
 * envelope, and its value as the bytes of a JSON object (ignored when {@code delete}).
 */
public record Input(
    String source,
    int partition,
    long offset,
    String key,
    String id,
    long timeMs,
    List<String> causes,
    boolean delete,
    byte[] value) {
  public Input {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(key, "key");
    causes = causes == null ? List.of() : List.copyOf(causes);
    if (!delete) {
      Objects.requireNonNull(value, "value");
    }
  }

  public static Input of(String source, Record record) {
    return new Input(
        source,
        record.partition(),
        record.offset(),
        record.key(),
        record.id(),
        record.timeMs(),
        record.causes(),
        record.delete(),
        record.value());
  }

  public Envelope envelope() {
    return new Envelope(key, id, timeMs, partition, offset, causes);
  }
}
