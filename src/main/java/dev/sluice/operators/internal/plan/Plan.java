package dev.sluice.operators.internal.plan;

import dev.sluice.log.StreamKind;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A compiled pipeline and what it reads.
 *
 * @param kinds each source the pipeline reads, with its kind
 * @param wantedFields per source, the top-level fields worth parsing; empty when all are
 */
public record Plan(
    Node root, Map<String, StreamKind> kinds, Map<String, Optional<Set<String>>> wantedFields) {
  public Plan {
    kinds = Map.copyOf(kinds);
    wantedFields = Map.copyOf(wantedFields);
  }
}
