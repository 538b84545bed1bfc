package dev.sluice.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sluice.engine.Engine;
import dev.sluice.engine.LineageReport;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /lineage/{stream}/{id}}: where an operation landed (partition, offset), the views and
 * keys whose rows it changed, and the events it derived, each with its own lineage. The id may hold
 * slashes (derived events' ids do), so it is the rest of the path.
 */
final class LineageRoute {
  private final EventLog log;
  private final Engine engine;

  LineageRoute(EventLog log, Engine engine) {
    this.log = log;
    this.engine = engine;
  }

  void handle(Context ctx) throws java.io.IOException {
    Params.of(ctx, Set.of());
    String stream = ctx.pathParam("stream");
    String id = ctx.pathParam("id");
    if (log.stream(stream).isEmpty()) {
      throw new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + stream + "'");
    }
    if (engine != null) {
      LineageReport report = engine.lineage(stream, id).orElseThrow(() -> unknown(stream, id));
      if (engine.owners().clustered()) {
        clustered(ctx, report);
        return;
      }
      Responses.json(ctx, json(report));
      return;
    }
    Position p = log.locate(stream, id).orElseThrow(() -> unknown(stream, id));
    Record record = log.read(stream, p.partition(), p.offset(), 1).get(0);
    Responses.json(ctx, json(new LineageReport(stream, record.id(), p.partition(), p.offset(), record.timeMs(),
        record.causes(), List.of(), List.of())));
  }

  /** What one instance's part of a gathered lineage may take. */
  private static final java.time.Duration PART_LIMIT = java.time.Duration.ofSeconds(5);

  /**
   * On a cluster each view's effects are known to the instance that runs its rows of the event's
   * partition: every instance answers those it runs, and the one the client asked gathers them
   * (docs/deploy-kafka.md). Derived events are listed once, with the lineage their owner reports.
   */
  private void clustered(Context ctx, LineageReport report) throws java.io.IOException {
    List<LineageReport.ViewEffect> served = report.views().stream()
        .filter(v -> engine.owners().serves(v.view(), report.stream(), report.partition())).toList();
    Map<String, Object> out = json(new LineageReport(report.stream(), report.id(), report.partition(), report.offset(),
        report.timeMs(), report.causes(), served, report.derived()));
    if (Forwarding.forwarded(ctx)) {
      Responses.json(ctx, out);
      return;
    }
    @SuppressWarnings("unchecked")
    List<Object> views = (List<Object>) out.get("views");
    @SuppressWarnings("unchecked")
    List<Object> derived = (List<Object>) out.get("derived");
    Set<String> derivedIds = new java.util.HashSet<>();
    for (Object d : derived) {
      derivedIds.add(((Map<?, ?>) d).get("stream") + "/" + ((Map<?, ?>) d).get("id"));
    }
    List<String> unanswered = new ArrayList<>();
    for (String member : engine.owners().members()) {
      if (member.equals(engine.owners().self())) {
        continue;
      }
      com.fasterxml.jackson.databind.JsonNode part;
      try {
        part = Responses.JSON.readTree(Forwarding.fetch(ctx, member, PART_LIMIT));
      } catch (LogException e) {
        unanswered.add(member);
        continue;
      }
      part.path("views").forEach(views::add);
      for (com.fasterxml.jackson.databind.JsonNode d : part.path("derived")) {
        if (derivedIds.add(d.path("stream").asText() + "/" + d.path("id").asText())) {
          derived.add(d);
        }
      }
    }
    views.sort(java.util.Comparator.comparing(v -> v instanceof Map<?, ?> m ? String.valueOf(m.get("view"))
        : ((com.fasterxml.jackson.databind.JsonNode) v).path("view").asText()));
    if (!unanswered.isEmpty()) {
      out.put("unanswered", unanswered);
    }
    Responses.json(ctx, out);
  }

  private static LogException unknown(String stream, String id) {
    return new LogException(ErrorCode.NOT_FOUND, "stream '" + stream + "' has no event with id '" + id
        + "' (ids are kept for the dedup window, 7 days by default)");
  }

  private static Map<String, Object> json(LineageReport report) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("stream", report.stream());
    out.put("id", report.id());
    out.put("partition", report.partition());
    out.put("offset", report.offset());
    out.put("time_ms", report.timeMs());
    if (!report.causes().isEmpty()) {
      out.put("causes", report.causes());
    }
    List<Object> views = new ArrayList<>();
    for (LineageReport.ViewEffect v : report.views()) {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("view", v.view());
      view.put("version", v.version());
      view.put("applied", v.applied());
      List<Object> keys = new ArrayList<>();
      for (String key : v.keys()) {
        keys.add(parse(key));
      }
      view.put("keys", keys);
      if (v.moreKeys() > 0) {
        view.put("more_keys", v.moreKeys());
      }
      views.add(view);
    }
    out.put("views", views);
    List<Object> derived = new ArrayList<>();
    for (LineageReport.DerivedEffect d : report.derived()) {
      Map<String, Object> event = new LinkedHashMap<>();
      event.put("stream", d.stream());
      event.put("id", d.id());
      event.put("partition", d.partition());
      event.put("offset", d.offset());
      Optional.ofNullable(d.lineage()).map(LineageRoute::json).ifPresent(l -> {
        Optional.ofNullable(l.get("causes")).ifPresent(c -> event.put("causes", c));
        event.put("views", l.get("views"));
        event.put("derived", l.get("derived"));
      });
      derived.add(event);
    }
    out.put("derived", derived);
    return out;
  }

  /** A key as the lineage index keeps it (JSON text) back to JSON. */
  private static Object parse(String key) {
    try {
      return Responses.JSON.readTree(key);
    } catch (JsonProcessingException e) {
      return key;
    }
  }
}
