package dev.sluice.log;

import java.util.Objects;

/**
 * The declaration of a stream or table.
 *
 * @param keyField the value member whose value becomes {@code _key} when an event has none; null when
 *     every event must carry {@code _key} itself
 */
public record StreamSpec(String name, StreamKind kind, String keyField, int partitions) {

  /** Why a limit: partitions are fixed at creation and each costs an index and a writer slot. */
  public static final int PARTITIONS_MAX = 1024;

  public StreamSpec {
    Objects.requireNonNull(kind, "kind");
    StreamNames.check(name);
    if (keyField != null && keyField.isEmpty()) {
      throw new LogException(ErrorCode.INVALID_STATEMENT, "KEY field must not be empty");
    }
    if (partitions < 1 || partitions > PARTITIONS_MAX) {
      throw new LogException(
          ErrorCode.INVALID_STATEMENT,
          "PARTITIONS must be between 1 and " + PARTITIONS_MAX + ", got " + partitions);
    }
  }
}
