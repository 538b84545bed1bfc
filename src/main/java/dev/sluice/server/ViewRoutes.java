package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Owners;
import dev.sluice.engine.ViewStatus;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.log.Token;
import dev.sluice.operators.RowKey;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /views}, {@code GET /views/{v}}, {@code GET /views/{v}/rows/{key}} and {@code GET
 * /views/{v}/rows}: the state of views and their rows. Every read of rows takes {@code after=TOKEN}
 * and {@code timeout_ms} (read-your-writes: it answers once the view includes the token, or 504).
 */
final class ViewRoutes {
  static final long TIMEOUT_MS_DEFAULT = 5_000;
  static final long TIMEOUT_MS_MAX = 300_000;
  static final int SCAN_LIMIT_DEFAULT = 100;
  static final int SCAN_LIMIT_MAX = 10_000;

  private final Engine engine;
  private final ClusterViews cluster;

  ViewRoutes(Engine engine) {
    this.engine = engine;
    this.cluster = new ClusterViews(engine);
  }

  void list(Context ctx) throws IOException {
    Params.of(ctx, Set.of());
    List<Map<String, Object>> out = new ArrayList<>();
    for (ViewStatus status : engine.views()) {
      out.add(withShare(status));
    }
    if (engine.owners().clustered() && !Forwarding.forwarded(ctx)) {
      cluster.list(ctx, Responses.JSON.valueToTree(out));
      return;
    }
    Responses.json(ctx, out);
  }

  void one(Context ctx) throws IOException {
    Params.of(ctx, Set.of());
    String name = ctx.pathParam("view");
    ViewStatus status = engine.view(name).orElseThrow(() -> new LogException(ErrorCode.NOT_FOUND, "unknown view '" + name + "'"));
    if (engine.owners().clustered() && !Forwarding.forwarded(ctx)) {
      cluster.one(ctx, Responses.JSON.valueToTree(withShare(status)));
      return;
    }
    Responses.json(ctx, withShare(status));
  }

  /** A view's status, with this instance's share of it when several instances share the log (for {@link ClusterViews}). */
  private Map<String, Object> withShare(ViewStatus status) {
    Map<String, Object> m = json(status);
    if (engine.owners().clustered()) {
      try {
        m.put("here", cluster.here(status.name()));
      } catch (LogException dropped) {
        // dropped since it was listed: it has no share
      }
    }
    return m;
  }

  void row(Context ctx) throws IOException {
    String view = ctx.pathParam("view");
    String keyText = ctx.pathParam("key");
    if (engine.indexes().isIndex(view)) {
      if (!forwardedToOwner(ctx, view)) {
        IndexRoutes.lookup(engine.indexes(), ctx, view, keyText);
      }
      return;
    }
    Params params = Params.of(ctx, Set.of("after", "timeout_ms"));
    Token after = token(params);
    Duration timeout = timeout(params);
    for (RowKey key : keyCandidates(keyText)) {
      Optional<String> owner = engine.owners().of(view, key, timeout);
      if (owner.isPresent()) {
        if (Forwarding.forwarded(ctx)) {
          throw new LogException(ErrorCode.OVERLOADED, "the row's partition is moving between instances; retry in a few seconds");
        }
        Forwarding.forward(ctx, owner.get(), timeout);
        return;
      }
    }
    Optional<byte[]> row = Optional.empty();
    for (RowKey key : keyCandidates(keyText)) {
      row = engine.row(view, key, after, timeout);
      if (row.isPresent()) {
        break;
      }
    }
    if (row.isEmpty()) {
      throw new LogException(ErrorCode.NOT_FOUND, "view '" + view + "' has no row with key " + keyText);
    }
    ctx.contentType("application/json");
    ctx.result(row.get());
  }

  /** How long a read of an index waits for an instance to own it (a handover, instances joining). */
  private static final Duration OWNER_WAIT = Duration.ofSeconds(10);

  /**
   * Forwards a read of an index or a search index to the instance that runs it (on Kafka, each
   * runs whole on one instance) and answers with its answer; false when this instance runs it.
   */
  boolean forwardedToOwner(Context ctx, String view) {
    Optional<String> owner = engine.owners().of(view, null, OWNER_WAIT);
    if (owner.isEmpty()) {
      return false;
    }
    if (Forwarding.forwarded(ctx)) {
      throw new LogException(ErrorCode.OVERLOADED, "'" + view + "' is moving between instances; retry in a few seconds");
    }
    Forwarding.forward(ctx, owner.get(), requestTimeout(ctx));
    return true;
  }

  /** The request's own {@code timeout_ms} for the hop (its owner checks the value itself). */
  private static Duration requestTimeout(Context ctx) {
    try {
      String text = ctx.queryParam("timeout_ms");
      return text == null ? OWNER_WAIT : Duration.ofMillis(Math.min(Math.max(Long.parseLong(text), 0), 300_000));
    } catch (NumberFormatException e) {
      return OWNER_WAIT;
    }
  }

  /** {@code GET /views/{view}/search}: on the instance that runs the search index. */
  void search(Context ctx) {
    String view = ctx.pathParam("view");
    if (!engine.indexes().isSearchIndex(view) || !forwardedToOwner(ctx, view)) {
      IndexRoutes.search(engine.indexes(), ctx);
    }
  }

  void scan(Context ctx) throws IOException {
    Params params = Params.of(ctx, Set.of("prefix", "from", "to", "limit", "after", "timeout_ms"));
    String view = ctx.pathParam("view");
    int limit = (int) params.number("limit", SCAN_LIMIT_DEFAULT, 1, SCAN_LIMIT_MAX);
    RowKey from = params.has("from") ? keyCandidates(params.text("from")).get(0) : null;
    RowKey to = params.has("to") ? keyCandidates(params.text("to")).get(0) : null;
    if (engine.owners().divided(view)) {
      scanDivided(ctx, view, from, to, params.text("prefix"), limit, token(params), timeout(params));
      return;
    }
    Optional<String> owner = engine.owners().of(view, null, timeout(params));
    if (owner.isPresent()) {
      if (Forwarding.forwarded(ctx)) {
        throw new LogException(ErrorCode.OVERLOADED, "view '" + view + "' is moving between instances; retry in a few seconds");
      }
      Forwarding.forward(ctx, owner.get(), timeout(params));
      return;
    }
    List<Engine.KeyedJson> rows = engine.scan(view, from, to, params.text("prefix"), limit, token(params), timeout(params));
    jsonArray(ctx, rows.stream().map(Engine.KeyedJson::json).toList());
  }

  /**
   * A scan of a view whose rows are divided among instances: this instance's part and every other
   * owner's, merged in key order. A forwarded request answers its part with the keys and the
   * partitions it covers; the parts must cover each partition once, or ownership moved meanwhile.
   */
  private void scanDivided(Context ctx, String view, RowKey from, RowKey to, String prefix, int limit, Token after,
      Duration timeout) throws IOException {
    Owners.ScanPart local = engine.owners().scanOwned(view, from, to, prefix, limit, after, timeout);
    if (Forwarding.forwarded(ctx)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(("{\"partitions\":" + Responses.JSON.writeValueAsString(local.partitions()) + ",\"keys\":").getBytes(StandardCharsets.UTF_8));
      out.write(Responses.JSON.writeValueAsBytes(local.rows().stream().map(r -> HexFormat.of().formatHex(r.key().bytes())).toList()));
      out.write(",\"rows\":[".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < local.rows().size(); i++) {
        if (i > 0) {
          out.write(',');
        }
        out.write(local.rows().get(i).json());
      }
      out.write("]}".getBytes(StandardCharsets.UTF_8));
      ctx.contentType("application/json");
      ctx.result(out.toByteArray());
      return;
    }
    List<Engine.KeyedJson> rows = new ArrayList<>(local.rows());
    Set<Integer> covered = new java.util.HashSet<>(local.partitions());
    for (String other : engine.owners().others(view, timeout)) {
      JsonNode part = Responses.JSON.readTree(Forwarding.fetch(ctx, other, timeout));
      for (JsonNode p : part.path("partitions")) {
        if (!covered.add(p.asInt())) {
          throw movedDuringScan(view);
        }
      }
      JsonNode keys = part.path("keys");
      JsonNode parts = part.path("rows");
      for (int i = 0; i < keys.size(); i++) {
        rows.add(new Engine.KeyedJson(RowKey.fromBytes(HexFormat.of().parseHex(keys.get(i).asText())),
            Responses.JSON.writeValueAsBytes(parts.get(i))));
      }
    }
    if (covered.size() != engine.owners().partitions(view)) {
      throw movedDuringScan(view);
    }
    rows.sort(java.util.Comparator.comparing(Engine.KeyedJson::key));
    jsonArray(ctx, rows.stream().limit(limit).map(Engine.KeyedJson::json).toList());
  }

  private static LogException movedDuringScan(String view) {
    return new LogException(ErrorCode.OVERLOADED, "partitions of view '" + view + "' moved between instances during the scan; retry");
  }

  /** Answers with the JSON objects as one array, without parsing them again. */
  private static void jsonArray(Context ctx, List<byte[]> objects) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('[');
    for (int i = 0; i < objects.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.write(objects.get(i));
    }
    out.write(']');
    ctx.contentType("application/json");
    ctx.result(out.toByteArray());
  }

  /** {@code GET /views/{v}/dead_letters?from=SEQ&limit=N}: the events the view could not process, and why. */
  void deadLetters(Context ctx) throws IOException {
    Params params = Params.of(ctx, Set.of("from", "limit"));
    String view = ctx.pathParam("view");
    long from = params.number("from", 0, 0, Long.MAX_VALUE);
    int limit = (int) params.number("limit", SCAN_LIMIT_DEFAULT, 1, SCAN_LIMIT_MAX);
    List<byte[]> letters = engine.deadLetters(view, from, limit);
    if (engine.owners().clustered()) {
      if (!engine.owners().divided(view)) {
        if (forwardedToOwner(ctx, view)) {
          return;
        }
      } else {
        letters = cluster.ownedDeadLetters(view, letters);
        if (!Forwarding.forwarded(ctx)) {
          cluster.deadLetters(ctx, view, letters, limit);
          return;
        }
      }
    }
    jsonArray(ctx, letters);
  }

  /** {@code after=T} or {@code after=T1,T2,…}: a client that wrote several times reads after all of it. */
  static Token token(Params params) {
    String text = params.text("after");
    if (text == null || text.isEmpty()) {
      return null;
    }
    Token merged = Token.empty();
    for (String part : text.split(",")) {
      merged = merged.merge(Token.decode(part.trim()));
    }
    return merged;
  }

  static Duration timeout(Params params) {
    return Duration.ofMillis(params.number("timeout_ms", TIMEOUT_MS_DEFAULT, 0, TIMEOUT_MS_MAX));
  }

  /**
   * A key in a URL is JSON when it parses as JSON (a number, a quoted string, an array for a
   * composite key), else the text itself; a key that is both (the text {@code 42}) is tried as JSON
   * first, then as text.
   */
  static List<RowKey> keyCandidates(String text) {
    List<RowKey> keys = new ArrayList<>();
    try {
      JsonNode node = Responses.JSON.readTree(text);
      if (node != null && !node.isMissingNode() && !node.isObject()) {
        keys.add(RowKey.of(value(node)));
      }
    } catch (IOException notJson) {
      // Plain text: the usual case for string keys.
    }
    RowKey plain = RowKey.of(text);
    if (!keys.contains(plain)) {
      keys.add(plain);
    }
    // Timestamps (window_start, say) travel as ISO-8601 text: try them as timestamps too.
    for (RowKey key : List.copyOf(keys)) {
      Object timed = withTimestamps(key.value());
      RowKey candidate = RowKey.of(timed);
      if (!keys.contains(candidate)) {
        keys.add(candidate);
      }
    }
    return keys;
  }

  /** The value with every string that reads as an ISO-8601 instant turned into a timestamp. */
  private static Object withTimestamps(Object value) {
    if (value instanceof String text) {
      try {
        return new dev.sluice.operators.Timestamp(java.time.Instant.parse(text).toEpochMilli());
      } catch (java.time.format.DateTimeParseException | ArithmeticException notATime) {
        return text;
      }
    }
    if (value instanceof List<?> list) {
      return list.stream().map(ViewRoutes::withTimestamps).toList();
    }
    return value;
  }

  private static Object value(JsonNode node) {
    if (node.isNull()) {
      return null;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return new BigDecimal(node.asText());
    }
    if (node.isArray()) {
      List<Object> values = new ArrayList<>();
      node.forEach(n -> values.add(value(n)));
      return values;
    }
    return node.asText();
  }

  static Map<String, Object> json(ViewStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name());
    m.put("kind", s.kind());
    m.put("state", s.state().wireName());
    m.put("version", s.version());
    m.put("rows", s.rows());
    m.put("lag", Map.of("events", s.lagEvents(), "ms", s.lagMs()));
    m.put("events_per_s", Math.round(s.eventsPerS()));
    m.put("events", s.eventsProcessed());
    m.put("dead_letters", s.deadLetters());
    m.put("late_events", s.lateEvents());
    if (s.lastDeadLetter() != null) {
      m.put("last_dead_letter", s.lastDeadLetter());
    }
    if (s.state() == dev.sluice.engine.ViewState.BUILDING) {
      m.put("progress", Math.round(s.progress() * 1000) / 1000.0);
    }
    if (s.error() != null) {
      m.put("error", s.error());
    }
    m.put("definition", s.definition());
    if (s.replacing() != null) {
      m.put("next_version", json(s.replacing()));
    }
    return m;
  }
}
