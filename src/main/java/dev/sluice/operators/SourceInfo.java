package dev.sluice.operators;

import dev.sluice.log.StreamKind;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the planner knows of a source.
 *
 * @param keyField the value member that supplies {@code _key}, if declared
 * @param knownFields the top-level fields its events have (e.g. sampled from recent events); when
 *     present the planner refuses other names, when empty it accepts any
 */
public record SourceInfo(
    String name, StreamKind kind, Optional<String> keyField, Optional<Set<String>> knownFields) {
  public SourceInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(keyField, "keyField");
    knownFields = knownFields.map(Set::copyOf);
  }

  public static SourceInfo stream(String name) {
    return new SourceInfo(name, StreamKind.STREAM, Optional.empty(), Optional.empty());
  }

  public static SourceInfo table(String name, String keyField) {
    return new SourceInfo(name, StreamKind.TABLE, Optional.of(keyField), Optional.empty());
  }

  public SourceInfo withKnownFields(Set<String> fields) {
    return new SourceInfo(name, kind, keyField, Optional.of(fields));
  }
}
