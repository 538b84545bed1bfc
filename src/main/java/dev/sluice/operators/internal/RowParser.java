package dev.sluice.operators.internal;

import dev.sluice.operators.Envelope;
import dev.sluice.operators.Row;
import java.util.Optional;
import java.util.Set;

/**
 * How a source's events become rows for one plan: every member, or only the top-level fields the
 * plan reads (see {@code PlanBuilder}'s wanted fields). The dataflow and the batch evaluator parse
 * through the same parser, so they see the same rows and the same malformed values.
 */
public final class RowParser {
  private final FieldScanner scanner;

  private RowParser(FieldScanner scanner) {
    this.scanner = scanner;
  }

  /**
   * @param wanted the fields to read, or empty for all of them
   */
  public static RowParser of(Optional<Set<String>> wanted) {
    return new RowParser(wanted.map(FieldScanner::new).orElse(null));
  }

  /** Throws IllegalArgumentException, with the reason, when the value is not a JSON object. */
  public Row parse(byte[] json, Envelope envelope) {
    return scanner == null ? JsonValues.parseRow(json, envelope) : scanner.parse(json, envelope);
  }
}
