package dev.sluice.operators;

import java.util.List;
import java.util.Objects;

/**
 * Where a source row came from: the event's envelope. Expressions read it as {@code _key}, {@code
 * _id}, {@code _time}, {@code _partition}, {@code _offset} and {@code _causes}; it is not one of
 * the row's fields, so {@code SELECT *} and the stored view row leave it out.
 */
public record Envelope(
    String key, String id, long timeMs, int partition, long offset, List<String> causes) {
  public Envelope {
    Objects.requireNonNull(key, "key");
    causes = causes == null ? List.of() : List.copyOf(causes);
  }

  /** The envelope field {@code name} (with its underscore) as a value, or null if it has none. */
  public Object field(String name) {
    return switch (name) {
      case "_key" -> key;
      case "_id" -> id;
      case "_time" -> new Timestamp(timeMs);
      case "_partition" -> (long) partition;
      case "_offset" -> offset;
      case "_causes" -> List.<Object>copyOf(causes);
      default -> null;
    };
  }
}
