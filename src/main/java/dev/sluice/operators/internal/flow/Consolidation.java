package dev.sluice.operators.internal.flow;

import dev.sluice.operators.Change;
import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.ViewChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Folds the changes one input made into one {@link ViewChange} per key. Checks on the way that they
 * are consistent — a key is retracted only with the row it holds and inserted only when free —
 * because a slip there would silently corrupt the view.
 */
final class Consolidation {
  private Consolidation() {}

  private static final class Net {
    final Row before;
    Row current;

    Net(Row before) {
      this.before = before;
      this.current = before;
    }
  }

  static List<ViewChange> of(List<Change> changes) {
    if (changes.isEmpty()) {
      return List.of();
    }
    if (changes.size() == 1) {
      var only = changes.getFirst();
      return List.of(
          only.isInsert()
              ? new ViewChange(only.key(), null, only.row())
              : new ViewChange(only.key(), only.row(), null));
    }
    if (changes.size() == 2) {
      // What an aggregate emits per input: its group's row replaced. No map needed to fold it.
      var first = changes.getFirst();
      var second = changes.getLast();
      if (!first.isInsert() && second.isInsert() && first.key().equals(second.key())) {
        return first.row().equals(second.row())
            ? List.of()
            : List.of(new ViewChange(first.key(), first.row(), second.row()));
      }
    }
    var byKey = new LinkedHashMap<RowKey, Net>();
    for (var change : changes) {
      var net =
          byKey.computeIfAbsent(
              change.key(), k -> new Net(change.isInsert() ? null : change.row()));
      if (change.isInsert()) {
        if (net.current != null) {
          throw new IllegalStateException("insert into occupied key " + change.key());
        }
        net.current = change.row();
      } else {
        if (net.current == null || !net.current.equals(change.row())) {
          throw new IllegalStateException(
              "retraction of "
                  + change.row()
                  + " from key "
                  + change.key()
                  + " holding "
                  + net.current);
        }
        net.current = null;
      }
    }
    var result = new ArrayList<ViewChange>(byKey.size());
    for (var entry : byKey.entrySet()) {
      var net = entry.getValue();
      var unchanged = net.before == null ? net.current == null : net.before.equals(net.current);
      if (!unchanged) {
        result.add(new ViewChange(entry.getKey(), net.before, net.current));
      }
    }
    return result;
  }
}
