package dev.sluice.server;

import dev.sluice.engine.Engine;
import dev.sluice.engine.LiveQuery;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import io.javalin.http.Context;
import java.util.Set;

/**
 * {@code GET /query?q=PIPELINE&follow=true}: an ad-hoc pipeline of WHERE, SELECT and EXTEND
 * followed live, as server-sent events ({@code event: row}), one per matching event appended from
 * now on. A query over history is {@code POST /statements}.
 */
final class QueryRoute {
  private final Engine engine;
  private final EventStreams streams;

  QueryRoute(Engine engine, EventStreams streams) {
    this.engine = engine;
    this.streams = streams;
  }

  void handle(Context ctx) {
    Params params = Params.of(ctx, Set.of("q", "follow", "heartbeat_ms"));
    String text = params.text("q");
    if (text == null || text.isBlank()) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "give the pipeline to follow as q=FROM …");
    }
    if (!params.flag("follow")) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT,
          "GET /query follows a pipeline live and needs follow=true; run a query over history with POST /statements");
    }
    if (!(Parser.parseStatement(text) instanceof Statement.Query query)) {
      throw new LogException(ErrorCode.INVALID_STATEMENT, "q= is a pipeline (FROM … |> WHERE …), not another statement");
    }
    long heartbeatMs = params.number("heartbeat_ms", EventStreams.HEARTBEAT_MS_DEFAULT, 10, 300_000);
    LiveQuery live = engine.follow(query.pipeline(), text);
    streams.serve(ctx, heartbeatMs, (sink, waitMs) -> {
      for (byte[] row : live.next(waitMs)) {
        sink.event("row", null, row);
      }
      return true;
    }, () -> {});
  }
}
