package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamSpec;
import dev.sluice.server.Statements.CreateStream;
import dev.sluice.server.Statements.ShowStreams;
import dev.sluice.server.Statements.Statement;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /statements}: every statement is parsed and checked against the streams that exist
 * before the first one runs, so a script with a bad statement changes nothing.
 */
final class StatementRoute {
  private static final int TEXT_BYTES_LIMIT = 1 << 20;

  record Created(String statement, String stream, boolean created) {}

  record Rows(String statement, List<String> columns, List<List<Object>> rows) {}

  private final EventLog log;

  StatementRoute(EventLog log) {
    this.log = log;
  }

  void handle(Context ctx) throws IOException {
    Params.of(ctx, Set.of());
    checkContentType(ctx.contentType());
    List<Statement> statements = Statements.parse(text(ctx.req().getInputStream()));
    check(statements);
    List<Object> results = new ArrayList<>();
    for (Statement statement : statements) {
      results.add(run(statement));
    }
    Responses.json(ctx, results);
  }

  private void check(List<Statement> statements) {
    Map<String, StreamSpec> declared = new HashMap<>();
    for (int i = 0; i < statements.size(); i++) {
      if (statements.get(i) instanceof CreateStream create) {
        StreamSpec spec = create.spec();
        StreamSpec existing = declared.containsKey(spec.name())
            ? declared.get(spec.name())
            : log.stream(spec.name()).orElse(null);
        if (existing != null && !(create.ifNotExists() && existing.equals(spec))) {
          String how = create.ifNotExists() ? " with a different declaration" : "";
          throw new LogException(ErrorCode.STREAM_EXISTS,
              "statement " + (i + 1) + ": '" + spec.name() + "' already exists" + how);
        }
        declared.put(spec.name(), spec);
      }
    }
  }

  private Object run(Statement statement) {
    return switch (statement) {
      case CreateStream create -> {
        boolean existed = log.stream(create.spec().name()).isPresent();
        log.create(create.spec(), create.ifNotExists());
        yield new Created("CREATE " + create.spec().kind(), create.spec().name(), !existed);
      }
      case ShowStreams show -> showStreams();
    };
  }

  private Rows showStreams() {
    List<List<Object>> rows = new ArrayList<>();
    for (StreamInfo info : StreamInfo.all(log)) {
      rows.add(Arrays.asList(info.name(), info.kind(), info.key(), info.partitions(), info.events(), info.bytes()));
    }
    return new Rows("SHOW STREAMS", List.of("name", "kind", "key", "partitions", "events", "bytes"), rows);
  }

  private static void checkContentType(String contentType) {
    if (contentType == null) {
      return;
    }
    String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    boolean text = media.isEmpty() || media.startsWith("text/") || media.equals("application/sql")
        || media.equals("application/x-www-form-urlencoded");
    if (!text) {
      throw new LogException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          "cannot read statements from '" + media + "'; send them as text/plain");
    }
  }

  private static String text(InputStream body) throws IOException {
    byte[] bytes = new LimitedInput(body, TEXT_BYTES_LIMIT).readAllBytes();
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new LogException(ErrorCode.INVALID_STATEMENT, "the statements are not UTF-8 text");
    }
  }
}
