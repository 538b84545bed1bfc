package dev.sluice.server;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.ObjectKind;
import dev.sluice.language.ast.Position;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
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
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * {@code POST /statements}: the script is parsed, and every statement checked against the streams
 * that exist, before the first one runs, so a script with a bad statement changes nothing. The log
 * runs {@code CREATE STREAM}, {@code CREATE TABLE}, {@code SHOW STREAMS} and {@code SHOW TABLES};
 * other statements parse but are refused until the engine that runs them exists.
 */
final class StatementRoute {
  private static final int TEXT_BYTES_LIMIT = 1 << 20;
  private static final int DEFAULT_PARTITIONS = 1;

  record Created(String statement, String stream, boolean created) {}

  record Rows(String statement, List<String> columns, List<List<Object>> rows) {}

  /** A statement ready to run against the log. */
  private sealed interface Action {}

  private record Create(StreamSpec spec, boolean ifNotExists, Position pos) implements Action {}

  private record Show(StreamKind only) implements Action {}

  private final EventLog log;

  StatementRoute(EventLog log) {
    this.log = log;
  }

  void handle(Context ctx) throws IOException {
    Params.of(ctx, Set.of());
    checkContentType(ctx.contentType());
    List<Action> actions = new ArrayList<>();
    for (Statement statement : Parser.parseScript(text(ctx.req().getInputStream()))) {
      actions.add(action(statement));
    }
    check(actions);
    List<Object> results = new ArrayList<>();
    for (Action action : actions) {
      results.add(run(action));
    }
    Responses.json(ctx, results);
  }

  private static Action action(Statement statement) {
    return switch (statement) {
      case Statement.CreateStream s when s.query().isEmpty() && s.options().isEmpty() ->
          create(StreamKind.STREAM, s.name(), s.key(), s.partitions(), s.ifNotExists(), s.pos());
      case Statement.CreateTable t when t.options().isEmpty() ->
          create(StreamKind.TABLE, t.name(), t.key(), t.partitions(), t.ifNotExists(), t.pos());
      case Statement.Show show when show.kind() == ObjectKind.STREAM -> new Show(null);
      case Statement.Show show when show.kind() == ObjectKind.TABLE -> new Show(StreamKind.TABLE);
      default -> throw new InputError(ErrorCode.INVALID_STATEMENT, 0, statement.pos().line(), statement.pos().column(),
          kind(statement) + " is not available yet; this server runs CREATE STREAM, CREATE TABLE, "
              + "SHOW STREAMS and SHOW TABLES");
    };
  }

  private static Action create(StreamKind kind, dev.sluice.language.ast.Name name, Optional<Expr.Field> key,
      OptionalInt partitions, boolean ifNotExists, Position pos) {
    if (key.isPresent() && key.get().path().get(0).startsWith("_")) {
      Position at = key.get().pos();
      throw new InputError(ErrorCode.INVALID_STATEMENT, 0, at.line(), at.column(),
          "KEY names a value member; " + key.get().path().get(0) + " is part of the envelope");
    }
    try {
      StreamSpec spec = new StreamSpec(name.value(), kind, key.map(Expr.Field::toSql).orElse(null),
          partitions.orElse(DEFAULT_PARTITIONS));
      return new Create(spec, ifNotExists, pos);
    } catch (LogException e) {
      throw new InputError(e.code(), 0, name.pos().line(), name.pos().column(), e.getMessage());
    }
  }

  /** The statement's kind in its own words, for saying that it cannot run yet. */
  private static String kind(Statement statement) {
    return switch (statement) {
      case Statement.CreateStream s when s.query().isPresent() -> "CREATE STREAM … AS (a derived stream)";
      case Statement.CreateStream s -> "CREATE STREAM … WITH (…)";
      case Statement.CreateTable t -> "CREATE TABLE … WITH (…)";
      case Statement.CreateView v -> "CREATE VIEW";
      case Statement.CreateIndex i -> "CREATE INDEX";
      case Statement.CreateSearchIndex i -> "CREATE SEARCH INDEX";
      case Statement.CreateConstraint c -> "CREATE CONSTRAINT";
      case Statement.Drop d -> "DROP " + d.kind().singular();
      case Statement.Show show -> "SHOW " + show.kind().plural();
      case Statement.Describe d -> "DESCRIBE";
      case Statement.Query q -> "an ad-hoc query";
    };
  }

  private void check(List<Action> actions) {
    Map<String, StreamSpec> declared = new HashMap<>();
    for (Action action : actions) {
      if (action instanceof Create create) {
        StreamSpec spec = create.spec();
        StreamSpec existing = declared.containsKey(spec.name())
            ? declared.get(spec.name())
            : log.stream(spec.name()).orElse(null);
        if (existing != null && !(create.ifNotExists() && existing.equals(spec))) {
          String how = create.ifNotExists() ? " with a different declaration" : "";
          throw new InputError(ErrorCode.STREAM_EXISTS, 0, create.pos().line(), create.pos().column(),
              "'" + spec.name() + "' already exists" + how);
        }
        declared.put(spec.name(), spec);
      }
    }
  }

  private Object run(Action action) {
    return switch (action) {
      case Create create -> {
        boolean existed = log.stream(create.spec().name()).isPresent();
        log.create(create.spec(), create.ifNotExists());
        yield new Created("CREATE " + create.spec().kind(), create.spec().name(), !existed);
      }
      case Show show -> show(show.only());
    };
  }

  private Rows show(StreamKind only) {
    List<List<Object>> rows = new ArrayList<>();
    for (StreamInfo info : StreamInfo.all(log)) {
      if (only == null || info.kind().equals(only.name().toLowerCase(Locale.ROOT))) {
        rows.add(Arrays.asList(info.name(), info.kind(), info.key(), info.partitions(), info.events(), info.bytes()));
      }
    }
    String statement = only == null ? "SHOW STREAMS" : "SHOW TABLES";
    return new Rows(statement, List.of("name", "kind", "key", "partitions", "events", "bytes"), rows);
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
