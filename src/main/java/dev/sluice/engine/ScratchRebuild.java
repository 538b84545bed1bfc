package dev.sluice.engine;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.operators.Applied;
import dev.sluice.operators.BatchEvaluator;
import dev.sluice.operators.Dataflow;
import dev.sluice.operators.Input;
import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Verify's recomputation of a view whose inputs are too many to hold in memory: the view's
 * incremental operators run over its inputs from offset 0 to the positions its state reflects,
 * one partition after another, with their state in a scratch store beside the views' own (deleted
 * afterwards). The operators build the same rows whatever the interleaving (see {@link Dataflow}),
 * so the rows they end with are the ones the live view must hold. Only the rows are kept in memory.
 */
final class ScratchRebuild {
  private static final int PAGE = 10_000;

  private ScratchRebuild() {}

  static List<BatchEvaluator.KeyedRow> rows(Dataflow dataflow, EventLog log, Map<String, long[]> upTo, Path viewsDir) {
    Path scratch = viewsDir.resolve("verify-scratch-" + ProcessHandle.current().pid());
    TreeMap<RowKey, Row> rows = new TreeMap<>();
    try (KeyValueStore store = KeyValueStore.open(scratch)) {
      Space space = store.space("rebuild");
      RocksState state = new RocksState();
      try (Batch batch = space.batch()) {
        apply(dataflow.initialize(state.on(batch)), rows);
        state.flush();
        batch.commit();
      }
      for (Map.Entry<String, long[]> e : upTo.entrySet()) {
        String source = e.getKey();
        for (int p = 0; p < e.getValue().length; p++) {
          long end = e.getValue()[p];
          for (long from = 0; from < end; ) {
            List<Record> page = log.read(source, p, from, (int) Math.min(PAGE, end - from));
            if (page.isEmpty()) {
              throw new LogException(ErrorCode.CORRUPT_PARTITION, source + " partition " + p + " offset " + from + " cannot be read");
            }
            try (Batch batch = space.batch()) {
              state.on(batch);
              for (Record r : page) {
                apply(dataflow.apply(Input.of(source, r), state), rows);
              }
              state.flush();
              batch.commit();
            }
            from = page.get(page.size() - 1).offset() + 1;
          }
        }
      }
    } finally {
      KeyValueStore.destroy(scratch);
    }
    List<BatchEvaluator.KeyedRow> out = new ArrayList<>(rows.size());
    rows.forEach((key, row) -> out.add(new BatchEvaluator.KeyedRow(key, row)));
    return out;
  }

  private static void apply(Applied applied, TreeMap<RowKey, Row> rows) {
    for (ViewChange change : applied.changes()) {
      if (change.newRow() == null) {
        rows.remove(change.key());
      } else {
        rows.put(change.key(), change.newRow());
      }
    }
  }
}
