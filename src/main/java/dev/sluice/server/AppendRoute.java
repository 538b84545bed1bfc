package dev.sluice.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.engine.Engine;
import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.StreamSpec;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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

  private static byte[] answer(AppendResult result) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + result.positions().size() * 48);
    try (JsonGenerator json = Responses.JSON.getFactory().createGenerator(bytes)) {
      json.writeStartObject();
      json.writeNumberField("appended", result.appended());
      json.writeNumberField("duplicates", result.duplicates());
      json.writeStringField("token", result.token().encode());
      json.writeArrayFieldStart("positions");
      for (Position p : result.positions()) {
        json.writeStartObject();
        json.writeNumberField("partition", p.partition());
        json.writeNumberField("offset", p.offset());
        json.writeBooleanField("duplicate", p.duplicate());
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    }
    return bytes.toByteArray();
  }
}
