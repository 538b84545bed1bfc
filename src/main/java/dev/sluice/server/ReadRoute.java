package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.log.StreamSpec;
import io.javalin.http.Context;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /streams/{s}/events}: records of one partition as NDJSON, read from the log in batches
 * and written as they are read, so a large read holds one batch in memory. With {@code follow=true}
 * the response stays open and carries each new record once it is durable.
 */
final class ReadRoute {
  static final int LIMIT_DEFAULT = 1000;
  static final int LIMIT_MAX = 100_000;
  private static final int BATCH_RECORDS_MAX = 1000;
  private static final int BUFFER_BYTES = 64 * 1024;

  private final EventLog log;
  private final Followers followers;

  ReadRoute(EventLog log, Followers followers) {
    this.log = log;
    this.followers = followers;
  }

  void handle(Context ctx) throws IOException {
    Params params = Params.of(ctx, Set.of("partition", "from", "limit", "follow"));
    StreamSpec spec = Streams.spec(log, ctx.pathParam("stream"));
    int partition = (int) params.number("partition", 0, 0, Integer.MAX_VALUE);
    if (partition >= spec.partitions()) {
      throw new LogException(ErrorCode.UNKNOWN_PARTITION, "stream '" + spec.name() + "' has partitions 0 to "
          + (spec.partitions() - 1) + "; there is no partition " + partition);
    }
    long from = params.number("from", 0, 0, Long.MAX_VALUE);
    boolean follow = params.flag("follow");
    long limit = follow && !params.has("limit")
        ? Long.MAX_VALUE
        : params.number("limit", LIMIT_DEFAULT, 1, LIMIT_MAX);
    ctx.status(200).contentType("application/x-ndjson");
    if (follow) {
      try (Followers.Slot slot = followers.open(ctx.req())) {
        copy(ctx, spec.name(), partition, from, limit, slot);
      }
    } else {
      copy(ctx, spec.name(), partition, from, limit, null);
    }
  }

  /** Writes records until {@code limit}, the end (when not following), or the follower is gone. */
  private void copy(Context ctx, String stream, int partition, long from, long limit, Followers.Slot follower)
      throws IOException {
    OutputStream out = new BufferedOutputStream(ctx.res().getOutputStream(), BUFFER_BYTES);
    long next = from;
    long sent = 0;
    while (sent < limit) {
      List<Record> batch;
      try {
        batch = log.read(stream, partition, next, (int) Math.min(BATCH_RECORDS_MAX, limit - sent));
      } catch (LogException e) {
        if (ctx.res().isCommitted()) {
          // The status line is gone: only a broken response tells the client the read is incomplete.
          Followers.abort(ctx.req(), e);
          return;
        }
        throw e;
      }
      if (batch.isEmpty()) {
        if (follower == null) {
          break;
        }
        out.flush();
        if (!follower.awaitRecord(log, stream, partition, next)) {
          return;
        }
        continue;
      }
      for (Record record : batch) {
        RecordJson.write(record, out);
      }
      sent += batch.size();
      next = batch.get(batch.size() - 1).offset() + 1;
      if (follower != null) {
        out.flush();
      }
    }
    out.flush();
  }
}
