package dev.sluice.server;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
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
   * The answer, written by hand straight into the bytes sent: with a thousand events a request, a
   * JSON generator's checks per field and the copies of a text builder cost more than parsing the
   * events did. The bytes are those a generator writes (no spaces; AppendAnswerTest).
   */
  static byte[] answer(AppendResult result) {
    byte[] token = new String(JsonStringEncoder.getInstance().quoteAsString(result.token().encode()))
        .getBytes(StandardCharsets.UTF_8);
    List<Position> positions = result.positions();
    int size = APPENDED.length + digits(result.appended()) + DUPLICATES.length + digits(result.duplicates())
        + TOKEN.length + token.length + POSITIONS.length + END.length;
    for (int i = 0; i < positions.size(); i++) {
      Position p = positions.get(i);
      size += (i == 0 ? PARTITION : NEXT_PARTITION).length + digits(p.partition()) + OFFSET.length + digits(p.offset())
          + (p.duplicate() ? DUPLICATE_TRUE : DUPLICATE_FALSE).length;
    }
    Ascii out = new Ascii(size);
    out.put(APPENDED).put(result.appended()).put(DUPLICATES).put(result.duplicates()).put(TOKEN).put(token).put(POSITIONS);
    for (int i = 0; i < positions.size(); i++) {
      Position p = positions.get(i);
      out.put(i == 0 ? PARTITION : NEXT_PARTITION).put(p.partition())
          .put(OFFSET).put(p.offset())
          .put(p.duplicate() ? DUPLICATE_TRUE : DUPLICATE_FALSE);
    }
    return out.put(END).bytes();
  }

  private static final byte[] APPENDED = ascii("{\"appended\":");
  private static final byte[] DUPLICATES = ascii(",\"duplicates\":");
  private static final byte[] TOKEN = ascii(",\"token\":\"");
  private static final byte[] POSITIONS = ascii("\",\"positions\":[");
  private static final byte[] PARTITION = ascii("{\"partition\":");
  private static final byte[] NEXT_PARTITION = ascii(",{\"partition\":");
  private static final byte[] OFFSET = ascii(",\"offset\":");
  private static final byte[] DUPLICATE_TRUE = ascii(",\"duplicate\":true}");
  private static final byte[] DUPLICATE_FALSE = ascii(",\"duplicate\":false}");
  private static final byte[] END = ascii("]}");
  /** Characters of {@code n} in decimal. */
  private static int digits(long n) {
    if (n < 0) {
      return Long.toString(n).length();
    }
    int digits = 1;
    for (long rest = n / 10; rest > 0; rest /= 10) {
      digits++;
    }
    return digits;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /** A byte array filled with ASCII text and decimal numbers, sized up front. */
  private static final class Ascii {
    private byte[] bytes;
    private int size;

    Ascii(int capacity) {
      bytes = new byte[capacity];
    }

    Ascii put(byte[] text) {
      ensure(text.length);
      System.arraycopy(text, 0, bytes, size, text.length);
      size += text.length;
      return this;
    }

    Ascii put(long n) {
      ensure(20);
      if (n < 0) {
        if (n == Long.MIN_VALUE) {
          return put(ascii(Long.toString(n)));
        }
        bytes[size++] = '-';
        n = -n;
      }
      int digits = digits(n);
      for (int i = size + digits - 1; i >= size; i--) {
        bytes[i] = (byte) ('0' + n % 10);
        n /= 10;
      }
      size += digits;
      return this;
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    byte[] bytes() {
      return size == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, size);
    }
  }
}
