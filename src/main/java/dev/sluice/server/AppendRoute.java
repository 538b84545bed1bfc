package dev.sluice.server;

import dev.sluice.engine.Engine;
import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.StreamSpec;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * {@code POST /streams/{s}/events}: the whole body is read and every event validated before the
 * log is asked to append, so a request rejected for any reason appends nothing.
 */
final class AppendRoute {
  private final EventLog log;
  private final Config config;
  private final EventJson.Limits limits;
  /** Appends to streams under a uniqueness constraint; null without an engine. */
  private final ClaimRoute claims;

  AppendRoute(EventLog log, Engine engine, Config config) {
    this.log = log;
    this.config = config;
    this.claims = engine == null ? null : new ClaimRoute(engine.constraints());
    this.limits = new EventJson.Limits(config.eventBytesLimit(), config.requestEventsLimit());
  }

  void handle(Context ctx) throws IOException {
    Params params = Params.of(ctx, Set.of("wait", "timeout_ms"));
    EventJson.Format format = format(ctx.contentType());
    StreamSpec spec = Streams.spec(log, ctx.pathParam("stream"));
    long declaredBytes = ctx.req().getContentLengthLong();
    if (declaredBytes > config.requestBytesLimit()) {
      throw LimitedInput.tooLarge(config.requestBytesLimit());
    }
    InputStream body = new LimitedInput(ctx.req().getInputStream(), config.requestBytesLimit());
    List<Event> events = EventJson.parse(body, format, spec, limits);
    if (claims != null && claims.constrains(spec.name())) {
      ctx.contentType("application/json").result(claims.append(spec.name(), events, params));
      return;
    }
    if (params.has("wait") || params.has("timeout_ms")) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "wait and timeout_ms are for streams under a uniqueness constraint;"
          + " '" + spec.name() + "' has none, and its appends are decided at once");
    }
    AppendResult result;
    try {
      result = log.append(spec.name(), events).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
    ctx.contentType("application/json").result(answer(result));
  }

  /**
   * Which framing the body has. Form encoding is accepted as JSON because it is what {@code curl
   * -d} sends by default.
   */
  private static EventJson.Format format(String contentType) {
    if (contentType == null) {
      return EventJson.Format.JSON;
    }
    String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return switch (media) {
      case "application/x-ndjson" -> EventJson.Format.NDJSON;
      case "", "application/json", "text/plain", "application/x-www-form-urlencoded" -> EventJson.Format.JSON;
      default -> throw new LogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "cannot read events from '" + media
          + "'; send application/json (an object or an array of objects) or application/x-ndjson");
    };
  }

  /**
   * The answer, written by hand: with a thousand events a request, a JSON generator's checks per
   * field cost more than parsing the events did. The bytes are those a generator writes (no spaces).
   */
  static byte[] answer(AppendResult result) {
    char[] token = com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(result.token().encode());
    List<Position> positions = result.positions();
    StringBuilder json = new StringBuilder(80 + token.length + positions.size() * 52);
    json.append("{\"appended\":").append(result.appended())
        .append(",\"duplicates\":").append(result.duplicates())
        .append(",\"token\":\"").append(token)
        .append("\",\"positions\":[");
    for (int i = 0; i < positions.size(); i++) {
      Position p = positions.get(i);
      json.append(i == 0 ? "{\"partition\":" : ",{\"partition\":").append(p.partition())
          .append(",\"offset\":").append(p.offset())
          .append(p.duplicate() ? ",\"duplicate\":true}" : ",\"duplicate\":false}");
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
