package dev.sluice.constraints;

import java.util.List;

/**
 * {@code CREATE CONSTRAINT name UNIQUE stream (field, …)}: no two events of {@code stream} (no two
 * rows, for a table) hold the same values of {@code fields}. Claims go to the stream
 * {@code claimsStream} and decisions to {@code decisionsStream}, both in the log.
 *
 * @param fields dotted paths of value members
 * @param table whether {@code stream} is a table: a row may keep its own value, and a row's value is
 *     released when the row is deleted or changes value
 */
public record Constraint(String name, String stream, List<String> fields, boolean table, int partitions, long createdMs) {
  public Constraint {
    fields = List.copyOf(fields);
  }

  /** The internal stream of claims; names ending in {@code _claims} of a constraint are taken. */
  public String claimsStream() {
    return name + "_claims";
  }

  /** The internal stream of decisions, one event per claim: accepted or rejected, and why. */
  public String decisionsStream() {
    return name + "_decisions";
  }

  String spaceName() {
    return "constraint:" + name + ":" + createdMs;
  }
}
