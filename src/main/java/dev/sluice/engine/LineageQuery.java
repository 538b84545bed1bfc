package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.log.EventLog;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Answers "where did operation X land?" from the log and the views' lineage indexes. */
final class LineageQuery {
  /** Derived streams feeding derived streams: how deep the answer follows them. */
  static final int DEPTH_MAX = 8;

  private final EventLog log;
  private final List<ViewTask> tasks;

  private LineageQuery(EventLog log, List<ViewTask> tasks) {
    this.log = log;
    this.tasks = tasks;
  }

  static Optional<LineageReport> run(EventLog log, List<ViewTask> tasks, String stream, String id) {
    return log.locate(stream, id).map(p -> new LineageQuery(log, tasks).at(stream, p, 0));
  }

  private LineageReport at(String stream, Position position, int depth) {
    Record record = log.read(stream, position.partition(), position.offset(), 1).get(0);
    List<LineageReport.ViewEffect> views = new ArrayList<>();
    List<LineageReport.DerivedEffect> derived = new ArrayList<>();
    for (ViewTask task : tasks) {
      // Positions first, then the entry: both are committed together, so an entry found means applied.
      Map<String, long[]> positions = task.positionsSnapshot();
      long[] next = positions.get(stream);
      if (next == null) {
        continue;
      }
      boolean reached = next[record.partition()] > record.offset();
      Optional<JsonNode> entry = Lineage.read(task.space, stream, record.partition(), record.offset(), record.id());
      if (task.definition.derivedStream()) {
        for (JsonNode event : entry.map(e -> e.path("events")).orElse(com.fasterxml.jackson.databind.node.MissingNode.getInstance())) {
          Position p = new Position(event.path("partition").asInt(), event.path("offset").asLong(), false);
          String name = task.definition.name();
          derived.add(new LineageReport.DerivedEffect(name, event.path("id").asText(), p.partition(), p.offset(),
              depth < DEPTH_MAX ? at(name, p, depth + 1) : null));
        }
      } else {
        List<String> keys = new ArrayList<>();
        entry.ifPresent(e -> e.path("keys").forEach(k -> keys.add(k.toString())));
        views.add(new LineageReport.ViewEffect(task.definition.name(), task.definition.version(), reached || entry.isPresent(),
            keys, entry.map(e -> e.path("more").asLong()).orElse(0L)));
      }
    }
    return new LineageReport(stream, record.id(), record.partition(), record.offset(), record.timeMs(), record.causes(),
        views, derived);
  }
}
