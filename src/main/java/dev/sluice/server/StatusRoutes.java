package dev.sluice.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.sluice.engine.DigestCheckpoint;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Owners;
import dev.sluice.log.EventLog;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code GET /health}, {@code /status} and {@code /streams}: what is running and what it holds. */
final class StatusRoutes {
  record Totals(int count, long events, long bytes) {}

  record Status(String version, long uptimeMs, String dataDir, Totals streams, int followers, List<DigestCheckpoint> views,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Object> cluster,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Owners.Share> work) {}

  private final EventLog log;
  private final Engine engine;
  private final Config config;
  private final Followers followers;
  private final long startedMs = System.currentTimeMillis();

  StatusRoutes(EventLog log, Engine engine, Config config, Followers followers) {
    this.log = log;
    this.engine = engine;
    this.config = config;
    this.followers = followers;
  }

  void health(Context ctx) {
    Params.of(ctx, Set.of());
    Responses.json(ctx, Map.of("status", "ok"));
  }

  void status(Context ctx) {
    Params.of(ctx, Set.of());
    List<StreamInfo> streams = StreamInfo.all(log);
    long events = streams.stream().mapToLong(StreamInfo::events).sum();
    long bytes = streams.stream().mapToLong(StreamInfo::bytes).sum();
    String dataDir = config.dataDir() == null ? null : config.dataDir().toAbsolutePath().toString();
    Responses.json(ctx, new Status(SluiceServer.version(), System.currentTimeMillis() - startedMs, dataDir,
        new Totals(streams.size(), events, bytes), followers.open(), engine == null ? List.of() : engine.digests(),
        engine == null ? Map.of() : engine.owners().describe(), engine == null || engine.owners().describe().isEmpty() ? List.of() : engine.owners().shares()));
  }

  void list(Context ctx) {
    Params.of(ctx, Set.of());
    Responses.json(ctx, StreamInfo.all(log));
  }
}
