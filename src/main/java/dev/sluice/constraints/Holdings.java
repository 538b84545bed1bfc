package dev.sluice.constraints;

import dev.sluice.log.Record;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who holds which value of a constraint, folded from the constrained stream's records in log
 * order: a table's current rows (an update moves its row's value, a delete frees it), or every
 * event of a stream.
 */
final class Holdings {
  private final Constraint constraint;
  private final Map<String, String> rows = new LinkedHashMap<>();
  private final Map<String, List<String>> events = new TreeMap<>();

  Holdings(Constraint constraint) {
    this.constraint = constraint;
  }

  /** Folds in the next record of the constrained stream. */
  void add(Record r) {
    String value = r.delete() ? null : Claim.valueText(Claim.parse(r.value()), constraint.fields());
    if (constraint.table()) {
      rows.remove(r.key());
      if (value != null) {
        rows.put(r.key(), value);
      }
    } else if (value != null) {
      events.computeIfAbsent(value, v -> new ArrayList<>()).add(r.id());
    }
  }

  /** Value → who holds it: the ids of a stream's events, or the keys of a table's rows. */
  Map<String, List<String>> holders() {
    Map<String, List<String>> out = new TreeMap<>();
    events.forEach((value, ids) -> out.put(value, new ArrayList<>(ids)));
    rows.forEach((key, value) -> out.computeIfAbsent(value, v -> new ArrayList<>()).add(key));
    return out;
  }
}
