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

  void handle(Context ctx) {
    Params.of(ctx, Set.of());
    String stream = ctx.pathParam("stream");
    String id = ctx.pathParam("id");
    if (log.stream(stream).isEmpty()) {
      throw new LogException(ErrorCode.UNKNOWN_STREAM, "unknown stream '" + stream + "'");
    }
    if (engine != null) {
      LineageReport report = engine.lineage(stream, id).orElseThrow(() -> unknown(stream, id));
      Responses.json(ctx, json(report));
      return;
    }
    Position p = log.locate(stream, id).orElseThrow(() -> unknown(stream, id));
    Record record = log.read(stream, p.partition(), p.offset(), 1).get(0);
    Responses.json(ctx, json(new LineageReport(stream, record.id(), p.partition(), p.offset(), record.timeMs(),
        record.causes(), List.of(), List.of())));
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
