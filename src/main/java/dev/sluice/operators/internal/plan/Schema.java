package dev.sluice.operators.internal.plan;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What the planner knows of the rows at one point of a pipeline: their top-level field names when
 * known (empty when any name may occur), and whether they still carry their event's envelope.
 */
record Schema(Optional<Set<String>> fields, boolean envelope) {
  static Schema open(boolean envelope) {
    return new Schema(Optional.empty(), envelope);
  }

  static Schema of(Set<String> fields, boolean envelope) {
    return new Schema(Optional.of(fields), envelope);
  }

  Schema plus(Set<String> more) {
    return fields.map(f -> of(union(f, more), envelope)).orElse(this);
  }

  /** The schema of rows coming from either side of a join or union. */
  Schema merge(Schema other, boolean withEnvelope) {
    if (fields.isEmpty() || other.fields.isEmpty()) {
      return open(withEnvelope);
    }
    return of(union(fields.get(), other.fields.get()), withEnvelope);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    var all = new LinkedHashSet<>(a);
    all.addAll(b);
    return all;
  }
}
