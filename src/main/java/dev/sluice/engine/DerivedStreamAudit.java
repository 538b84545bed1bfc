package dev.sluice.engine;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.log.StreamSpec;
import dev.sluice.operators.Catalog;
import dev.sluice.operators.Dataflow;
import dev.sluice.operators.Input;
import dev.sluice.operators.MemoryState;
import dev.sluice.operators.Planner;
import dev.sluice.stores.Space;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The derived-stream half of {@code sluice verify}: a derived stream's events are derived again
 * from its inputs ({@link DerivedEvents#derive}, over the dataflow run on in-memory state) and
 * compared by id with the events the stream holds — missing, extra or different.
 *
 * <p>Only pipelines whose output for an input depends on that input alone (and, for a table, on the
 * key's previous row, which is in the same partition) are derived again: WHERE, SELECT, EXTEND and
 * UNION ALL of such. An aggregate's, a window's or a join's new rows depend on how the task
 * interleaved partitions, which the log does not record, so such streams are not recomputed.
 *
 * <p>Inputs up to the positions the stream's state reflects must have derived their events; inputs
 * past them may have too (the events are appended before the positions commit, and a replay finds
 * them as duplicates), so their events are allowed but not required.
 */
final class DerivedStreamAudit {
  private DerivedStreamAudit() {}

  /** @param rederived false when the stream's pipeline is not recomputed; {@code detail} says why */
  record Result(boolean rederived, long events, String detail) {}

  private record Expected(Event event, boolean required) {}

  static Result check(EventLog log, ViewDefinition d, Space space, Catalog catalog, List<ViewAudit.Finding> findings) {
    Statement statement = Parser.parseStatement(d.pipelineText());
    if (!(statement instanceof Statement.Query query)) {
      findings.add(finding(d, null, null, null, "its definition is not a pipeline: " + d.pipelineText()));
      return new Result(false, 0, "its definition is not a pipeline");
    }
    if (!perEvent(query.pipeline())) {
      return new Result(false, 0, "a derived stream whose pipeline aggregates, windows or joins: its events depend on how"
          + " partitions were interleaved, which the log does not record");
    }
    Dataflow dataflow = Planner.plan(query.pipeline(), catalog, d.pipelineText());
    String keyField = log.stream(d.name()).map(StreamSpec::keyField).orElse(null);
    MemoryState state = new MemoryState();
    dataflow.initialize(state);
    Map<String, Expected> expected = new HashMap<>();
    long read = 0;
    for (String source : new TreeSet<>(dataflow.sources())) {
      StreamSpec spec = log.stream(source).orElseThrow();
      for (int p = 0; p < spec.partitions(); p++) {
        byte[] stored = space.get(Keys.position(source, p));
        long upTo = stored == null ? 0 : Keys.longOf(stored);
        long end = log.endOffset(source, p);
        if (upTo > end) {
          findings.add(finding(d, null, null, null, "its state reflects " + source + " partition " + p + " up to offset "
              + upTo + ", but the log holds readable events only up to " + end));
          return new Result(false, 0, "its inputs are shorter than its state says");
        }
        for (long from = 0; from < end; ) {
          List<Record> page = log.read(source, p, from, (int) Math.min(10_000, end - from));
          if (page.isEmpty()) {
            throw new LogException(ErrorCode.CORRUPT_PARTITION, source + " partition " + p + " offset " + from + " cannot be read");
          }
          read += page.size();
          if (read > Engine.QUERY_EVENTS_MAX) {
            // Not damage: verify says it did not compare this one (skipped), and exits 0 if all else agrees.
            return new Result(false, 0, "its inputs hold more than " + Engine.QUERY_EVENTS_MAX
                + " events, more than verify derives again in memory");
          }
          for (Record r : page) {
            for (Event e : DerivedEvents.derive(source, r, dataflow.apply(Input.of(source, r), state), keyField)) {
              expected.put(e.id(), new Expected(e, r.offset() < upTo));
            }
          }
          from = page.get(page.size() - 1).offset() + 1;
        }
      }
    }
    Map<String, Record> actual = new TreeMap<>();
    StreamSpec output = log.stream(d.name()).orElseThrow(() -> new LogException(ErrorCode.NOT_FOUND,
        "derived stream '" + d.name() + "' is declared but not in the log"));
    for (int p = 0; p < output.partitions(); p++) {
      long end = log.endOffset(d.name(), p);
      for (long from = 0; from < end; ) {
        List<Record> page = log.read(d.name(), p, from, (int) Math.min(10_000, end - from));
        if (page.isEmpty()) {
          break; // the log half of verify names what cannot be read
        }
        for (Record r : page) {
          Record before = actual.put(r.id(), r);
          if (before != null) {
            findings.add(finding(d, "event " + r.id(), null, describe(r) + " at partition " + r.partition() + " offset "
                + r.offset(), "event appended twice (first at partition " + before.partition() + " offset " + before.offset() + ")"));
          }
        }
        from = page.get(page.size() - 1).offset() + 1;
      }
    }
    long required = 0;
    for (Map.Entry<String, Expected> e : new TreeMap<>(expected).entrySet()) {
      Record stored = actual.get(e.getKey());
      Event event = e.getValue().event();
      required += e.getValue().required() ? 1 : 0;
      if (stored == null) {
        if (e.getValue().required()) {
          findings.add(finding(d, "event " + e.getKey(), describe(event), null, "event missing"));
        }
      } else if (!same(event, stored)) {
        findings.add(finding(d, "event " + e.getKey(), describe(event), describe(stored), "event differs"));
      }
    }
    for (Record r : actual.values()) {
      if (!expected.containsKey(r.id())) {
        findings.add(finding(d, "event " + r.id(), null, describe(r) + " at partition " + r.partition() + " offset " + r.offset(),
            "event that its inputs do not derive"));
      }
    }
    return new Result(true, required, required + " events derived again from " + read + " input events and compared by id with the "
        + actual.size() + " it holds");
  }

  /** WHERE, SELECT, EXTEND and UNION ALL of such: each input's output depends on it alone. */
  static boolean perEvent(Pipeline pipeline) {
    for (PipeOp op : pipeline.ops()) {
      boolean ok = switch (op) {
        case PipeOp.Where w -> true;
        case PipeOp.Select s -> true;
        case PipeOp.Extend e -> true;
        case PipeOp.UnionAll u -> perEvent(u.other());
        default -> false;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean same(Event e, Record r) {
    return e.key().equals(r.key()) && e.timeMs() == r.timeMs() && e.causes().equals(r.causes()) && !r.delete()
        && Arrays.equals(e.value(), r.value());
  }

  private static String describe(Event e) {
    return "key " + e.key() + ", time " + e.timeMs() + ", causes " + e.causes() + ", value " + text(e.value());
  }

  private static String describe(Record r) {
    return "key " + r.key() + ", time " + r.timeMs() + ", causes " + r.causes() + (r.delete() ? ", a tombstone" : ", value "
        + text(r.value()));
  }

  private static String text(byte[] value) {
    return value == null ? "null" : new String(value, StandardCharsets.UTF_8);
  }

  private static ViewAudit.Finding finding(ViewDefinition d, String at, String expected, String actual, String problem) {
    return new ViewAudit.Finding(d.kind(), d.name(), at, expected, actual, problem);
  }
}
