package dev.sluice.server;

import dev.sluice.engine.Engine;
import dev.sluice.engine.Subscription;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import io.javalin.http.Context;
import java.util.Set;

/**
 * {@code GET /views/{v}/changes}: a view's changes as server-sent events, for the whole view,
 * {@code key=} one key or {@code prefix=} keys starting with a text. Each event's {@code id} is the
 * position to resume from ({@code from=} or the {@code Last-Event-ID} header); without one the
 * stream starts with a snapshot of the current rows. When several instances share the log,
 * {@link ClusterChanges} merges the streams of the instances that own the view's rows.
 */
final class ChangesRoute {
  private final Engine engine;
  private final EventStreams streams;
  private final ClusterChanges cluster;

  ChangesRoute(Engine engine, EventStreams streams) {
    this.engine = engine;
    this.streams = streams;
    this.cluster = new ClusterChanges(engine, streams);
  }

  void handle(Context ctx) {
    Params params = Params.of(ctx, Set.of("key", "prefix", "from", "after", "timeout_ms", "heartbeat_ms"));
    String view = ctx.pathParam("view");
    if (params.has("key") && params.has("prefix")) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "give key= or prefix=, not both");
    }
    Subscription.Filter filter = params.has("key")
        ? new Subscription.Filter(ViewRoutes.keyCandidates(params.text("key")), null)
        : params.has("prefix") ? new Subscription.Filter(null, params.text("prefix")) : Subscription.Filter.ALL;
    String from = params.has("from") ? params.text("from") : ctx.header("Last-Event-ID");
    if (from != null && from.isBlank()) {
      from = null;
    }
    long heartbeatMs = params.number("heartbeat_ms", EventStreams.HEARTBEAT_MS_DEFAULT, 10, 300_000);
    if (engine.owners().clustered()) {
      if (ClusterChanges.isPart(ctx)) {
        cluster.servePart(ctx, view, filter, from, params, heartbeatMs);
      } else {
        cluster.serveMerged(ctx, view, from, params, heartbeatMs);
      }
      return;
    }
    Subscription subscription = engine.subscribe(view, filter, from, ViewRoutes.token(params), ViewRoutes.timeout(params));
    streams.serve(ctx, heartbeatMs, (sink, waitMs) -> {
      for (Subscription.Event e : subscription.next(waitMs)) {
        sink.event(e.kind().wireName(), e.id(), e.json());
      }
      return !subscription.over();
    }, subscription::close);
  }
}
