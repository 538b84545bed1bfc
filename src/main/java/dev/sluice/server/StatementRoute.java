package dev.sluice.server;

import dev.sluice.engine.Engine;
import dev.sluice.engine.Indexes;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Pipeline;
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

  private record CreateView(Statement.CreateView statement) implements Action {}

  private record DropView(String name, boolean ifExists, Position pos) implements Action {}

  private record ShowViews() implements Action {}

  private record Describe(String name, Position pos) implements Action {}

  private record Query(Pipeline pipeline) implements Action {}

  private record CreateDerived(StreamSpec spec, Pipeline pipeline, boolean ifNotExists, Position pos) implements Action {}

  private record CreateConstraint(Statement.CreateConstraint statement) implements Action {}

  private record ShowConstraints() implements Action {}

  private record DropConstraint(String name, boolean ifExists, Position pos) implements Action {}

  private record CreateIndex(Indexes.Declaration declaration) implements Action {}

  private record ShowIndexes(String kind, String statement) implements Action {}

  private final EventLog log;
  private final Engine engine;
  private String script = "";

  StatementRoute(EventLog log, Engine engine) {
    this.log = log;
    this.engine = engine;
  }

  void handle(Context ctx) throws IOException {
    Params params = Params.of(ctx, Set.of("after", "timeout_ms"));
    checkContentType(ctx.contentType());
    String source = text(ctx.req().getInputStream());
    List<Action> actions = new ArrayList<>();
    for (Statement statement : Parser.parseScript(source)) {
      actions.add(action(statement));
    }
    check(actions, source);
    dev.sluice.log.Token after = ViewRoutes.token(params);
    if (after != null && actions.stream().anyMatch(a -> a instanceof Query)) {
      awaitLog(after, ViewRoutes.timeout(params));
    }
    List<Object> results = new ArrayList<>();
    for (Action action : actions) {
      results.add(run(action, source));
    }
    Responses.json(ctx, results);
  }

  /**
   * Waits until this instance's log has read every event {@code after} covers, so that a query
   * through any instance of a cluster sees what the client appended through another one.
   */
  private void awaitLog(dev.sluice.log.Token after, java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (var stream : after.ends().entrySet()) {
      for (var end : stream.getValue().entrySet()) {
        if (log.endOffset(stream.getKey(), end.getKey()) >= end.getValue()) {
          continue;
        }
        try {
          log.awaitRecord(stream.getKey(), end.getKey(), end.getValue() - 1)
              .get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new LogException(ErrorCode.TIMEOUT, "the log did not reach the token in partition " + end.getKey()
              + " of '" + stream.getKey() + "' within timeout_ms");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new LogException(ErrorCode.TIMEOUT, "interrupted while waiting for the token");
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        }
      }
    }
  }

  private Action action(Statement statement) {
    if (engine != null) {
      switch (statement) {
        case Statement.CreateView v when v.options().isEmpty() -> {
          return new CreateView(v);
        }
        case Statement.CreateStream s when s.query().isPresent() && s.options().isEmpty() -> {
          Create create = (Create) create(StreamKind.STREAM, s.name(), s.key(), s.partitions(), s.ifNotExists(), s.pos());
          return new CreateDerived(create.spec(), s.query().get(), s.ifNotExists(), s.pos());
        }
        case Statement.CreateIndex i -> {
          return new CreateIndex(Indexes.Declaration.of(i).orElseThrow());
        }
        case Statement.CreateSearchIndex i -> {
          return new CreateIndex(Indexes.Declaration.of(i).orElseThrow());
        }
        case Statement.Show show when show.kind() == ObjectKind.INDEX || show.kind() == ObjectKind.SEARCH_INDEX -> {
          return new ShowIndexes(show.kind() == ObjectKind.INDEX ? "index" : "search index", "SHOW " + show.kind().plural());
        }
        case Statement.Drop d when d.kind() == ObjectKind.VIEW || d.kind() == ObjectKind.INDEX || d.kind() == ObjectKind.SEARCH_INDEX -> {
          return new DropView(d.name().value(), d.ifExists(), d.pos());
        }
        case Statement.Show show when show.kind() == ObjectKind.VIEW -> {
          return new ShowViews();
        }
        case Statement.Describe d -> {
          return new Describe(d.name().value(), d.pos());
        }
        case Statement.Query q -> {
          return new Query(q.pipeline());
        }
        case Statement.CreateConstraint c -> {
          return new CreateConstraint(c);
        }
        case Statement.Show show when show.kind() == ObjectKind.CONSTRAINT -> {
          return new ShowConstraints();
        }
        case Statement.Drop d when d.kind() == ObjectKind.CONSTRAINT -> {
          return new DropConstraint(d.name().value(), d.ifExists(), d.pos());
        }
        default -> { }
      }
    }
    return switch (statement) {
      case Statement.CreateStream s when s.query().isEmpty() && s.options().isEmpty() ->
          create(StreamKind.STREAM, s.name(), s.key(), s.partitions(), s.ifNotExists(), s.pos());
      case Statement.CreateTable t when t.options().isEmpty() ->
          create(StreamKind.TABLE, t.name(), t.key(), t.partitions(), t.ifNotExists(), t.pos());
      case Statement.Show show when show.kind() == ObjectKind.STREAM -> new Show(null);
      case Statement.Show show when show.kind() == ObjectKind.TABLE -> new Show(StreamKind.TABLE);
      default -> throw new InputError(ErrorCode.INVALID_STATEMENT, 0, statement.pos().line(), statement.pos().column(),
          kind(statement) + " is not available yet; this server runs CREATE STREAM, CREATE TABLE, "
              + "CREATE [OR REPLACE] VIEW|INDEX|SEARCH INDEX, DROP VIEW|INDEX|SEARCH INDEX|CONSTRAINT, SHOW STREAMS|TABLES|VIEWS, DESCRIBE and queries");
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
      case Statement.CreateStream s when s.query().isPresent() && !s.options().isEmpty() -> "CREATE STREAM … WITH (…) AS";
      case Statement.CreateStream s when s.query().isPresent() -> "CREATE STREAM … AS (a derived stream)";
      case Statement.CreateStream s -> "CREATE STREAM … WITH (…)";
      case Statement.CreateTable t -> "CREATE TABLE … WITH (…)";
      case Statement.CreateView v when !v.options().isEmpty() ->
          "CREATE VIEW … WITH (…) (a window's lateness is set on the window: WINDOW TUMBLE(…) LATENESS INTERVAL …)";
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

  private void check(List<Action> actions, String source) {
    Map<String, StreamSpec> declared = new HashMap<>();
    Map<String, Pipeline> declaredViews = new HashMap<>();
    for (Action action : actions) {
      if (action instanceof CreateDerived derived) {
        engine.check(derived.pipeline(), source, new ArrayList<>(declared.values()));
        String name = derived.spec().name();
        boolean exists = log.stream(name).isPresent() || declared.containsKey(name) || engine.view(name).isPresent();
        if (exists && !derived.ifNotExists()) {
          throw new InputError(ErrorCode.STREAM_EXISTS, 0, derived.pos().line(), derived.pos().column(), "'" + name + "' already exists");
        }
        declared.put(name, derived.spec());
      }
      if (action instanceof CreateIndex index) {
        Indexes.Declaration d = index.declaration();
        engine.indexes().check(d, source, new ArrayList<>(declared.values()), declaredViews);
        String name = d.name().value();
        if (log.stream(name).isPresent() || declared.containsKey(name)) {
          throw new InputError(ErrorCode.STREAM_EXISTS, 0, d.name().pos().line(), d.name().pos().column(),
              "'" + name + "' is a stream; an index needs a name of its own");
        }
      }
      if (action instanceof CreateView view) {
        engine.check(view.statement().query(), source, new ArrayList<>(declared.values()));
        declaredViews.put(view.statement().name().value(), view.statement().query());
        String name = view.statement().name().value();
        if (log.stream(name).isPresent() || declared.containsKey(name)) {
          Position at = view.statement().name().pos();
          throw new InputError(ErrorCode.STREAM_EXISTS, 0, at.line(), at.column(),
              "'" + name + "' is a stream; a view needs a name of its own");
        }
      }
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

  private Object run(Action action, String source) {
    return switch (action) {
      case CreateView v -> {
        Statement.CreateView s = v.statement();
        boolean existed = engine.view(s.name().value()).isPresent();
        var status = engine.create(s.name().value(), s.query(), source, s.orReplace(), s.ifNotExists());
        Map<String, Object> result = new java.util.LinkedHashMap<>();
        result.put("statement", s.orReplace() ? "CREATE OR REPLACE VIEW" : "CREATE VIEW");
        result.put("view", s.name().value());
        result.put("created", !existed || s.orReplace());
        result.put("version", status.version());
        yield result;
      }
      case CreateDerived d -> {
        boolean existed = log.stream(d.spec().name()).isPresent();
        engine.createDerivedStream(d.spec(), d.pipeline(), source, d.ifNotExists());
        yield new Created("CREATE STREAM AS", d.spec().name(), !existed);
      }
      case CreateIndex i -> {
        Indexes.Declaration d = i.declaration();
        boolean existed = engine.view(d.name().value()).isPresent();
        var status = engine.indexes().create(d, source);
        Map<String, Object> result = new java.util.LinkedHashMap<>();
        String kind = d.spec().kind().wireName().toUpperCase(Locale.ROOT);
        result.put("statement", d.orReplace() ? "CREATE OR REPLACE " + kind : "CREATE " + kind);
        result.put("view", d.name().value());
        result.put("created", !existed || d.orReplace());
        result.put("version", status.version());
        yield result;
      }
      case ShowIndexes s -> {
        List<List<Object>> rows = new ArrayList<>();
        for (var status : engine.views()) {
          if (status.kind().equals(s.kind())) {
            rows.add(Arrays.asList(status.name(), status.state().wireName(), status.version(), status.rows(), status.lagEvents(),
                status.definition()));
          }
        }
        yield new Rows(s.statement(), List.of("name", "state", "version", "rows", "lag_events", "definition"), rows);
      }
      case DropView d -> Map.of("statement", "DROP VIEW", "view", d.name(), "dropped", engine.drop(d.name(), d.ifExists()));
      case ShowViews s -> {
        List<List<Object>> rows = new ArrayList<>();
        for (var status : engine.views()) {
          rows.add(Arrays.asList(status.name(), status.state().wireName(), status.version(), status.rows(), status.lagEvents(), status.deadLetters()));
        }
        yield new Rows("SHOW VIEWS", List.of("name", "state", "version", "rows", "lag_events", "dead_letters"), rows);
      }
      case Describe d -> describe(d);
      case Query q -> {
        var result = engine.query(q.pipeline(), source);
        List<Object> rows = new ArrayList<>();
        for (var row : result.rows()) {
          rows.add(new com.fasterxml.jackson.databind.util.RawValue(new String(row.row().toJson(), StandardCharsets.UTF_8)));
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("statement", "QUERY");
        out.put("rows", rows);
        out.put("dead_letters", result.deadLetters().size());
        out.put("late_events", result.lateEvents());
        yield out;
      }
      case Create create -> {
        boolean existed = log.stream(create.spec().name()).isPresent();
        log.create(create.spec(), create.ifNotExists());
        yield new Created("CREATE " + create.spec().kind(), create.spec().name(), !existed);
      }
      case Show show -> show(show.only());
      case CreateConstraint c -> createConstraint(c.statement());
      case DropConstraint d -> {
        try {
          yield Map.of("statement", "DROP CONSTRAINT", "constraint", d.name(), "dropped",
              engine.constraints().drop(d.name(), d.ifExists()));
        } catch (LogException e) {
          throw new InputError(e.code(), 0, d.pos().line(), d.pos().column(), e.getMessage());
        }
      }
      case ShowConstraints s -> {
        List<List<Object>> rows = new ArrayList<>();
        for (var c : engine.constraints().all()) {
          rows.add(Arrays.asList(c.name(), "unique", c.stream(), String.join(", ", c.fields()), c.claimsStream(), c.decisionsStream()));
        }
        yield new Rows("SHOW CONSTRAINTS", List.of("name", "kind", "stream", "fields", "claims", "decisions"), rows);
      }
    };
  }

  private Object createConstraint(Statement.CreateConstraint c) {
    List<String> fields = c.fields().stream().map(f -> String.join(".", f.path())).toList();
    try {
      boolean created = engine.constraints().create(c.name().value(), c.stream().value(), fields, c.ifNotExists());
      return Map.of("statement", "CREATE CONSTRAINT", "constraint", c.name().value(), "created", created);
    } catch (LogException e) {
      throw new InputError(e.code(), 0, c.pos().line(), c.pos().column(), e.getMessage());
    }
  }

  private Object describe(Describe d) {
    var view = engine.view(d.name());
    if (view.isPresent()) {
      return Map.of("statement", "DESCRIBE", "name", d.name(), "kind", view.get().kind(), "definition", view.get().definition(),
          "version", view.get().version(), "state", view.get().state().wireName());
    }
    var stream = log.stream(d.name()).orElseThrow(() -> new InputError(ErrorCode.NOT_FOUND, 0, d.pos().line(), d.pos().column(),
        "no stream, table or view is named '" + d.name() + "'"));
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("statement", "DESCRIBE");
    out.put("name", stream.name());
    out.put("kind", stream.kind().name().toLowerCase(Locale.ROOT));
    out.put("key", stream.keyField());
    out.put("partitions", stream.partitions());
    return out;
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
