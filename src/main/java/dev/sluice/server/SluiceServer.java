package dev.sluice.server;

import dev.sluice.language.LanguageException;
import dev.sluice.engine.Engine;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.metrics.SluiceMetrics;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of SPEC.md over one {@link EventLog}. Every failure is answered as {@code
 * {"error":{"code":…,"message":…}}} with the code's status; only a fault of the server itself is a
 * 500, never anything a client sends.
 */
public final class SluiceServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SluiceServer.class);

  private final Javalin app;
  private final Followers followers;
  private final EventStreams streams;

  private final SluiceMetrics ownMetrics;

  private SluiceServer(Javalin app, Followers followers, EventStreams streams, SluiceMetrics ownMetrics) {
    this.app = app;
    this.followers = followers;
    this.streams = streams;
    this.ownMetrics = ownMetrics;
  }

  /** Starts serving {@code log}; the caller keeps owning the log and closes it after {@link #stop()}. */
  public static SluiceServer start(EventLog log, Config config) {
    return start(log, null, config);
  }

  /**
   * Starts serving {@code log} and the views of {@code engine} (null: the log alone, and statements
   * about views are refused by name). The caller keeps owning both and closes them after {@link #stop()}.
   */
  public static SluiceServer start(EventLog log, Engine engine, Config config) {
    SluiceMetrics metrics = SluiceMetrics.create();
    return start(log, engine, config, metrics, metrics);
  }

  /**
   * As {@link #start(EventLog, Engine, Config)}, reporting in {@code metrics} (the registry the
   * caller gave the log, so that {@code GET /metrics} shows the log's meters too); the caller
   * closes it after {@link #stop()}.
   */
  public static SluiceServer start(EventLog log, Engine engine, Config config, SluiceMetrics metrics) {
    return start(log, engine, config, metrics, null);
  }

  private static SluiceServer start(EventLog log, Engine engine, Config config, SluiceMetrics metrics, SluiceMetrics own) {
    Followers followers = new Followers(config.followersLimit());
    EventStreams streams = new EventStreams();
    Javalin app = Javalin.create(c -> {
      c.showJavalinBanner = false;
      c.startupWatcherEnabled = false;
      c.http.prefer405over404 = true;
      c.http.disableCompression();
      c.jetty.defaultHost = config.host();
      c.jetty.defaultPort = config.port();
      c.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
      c.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JsonErrorHandler()));
      c.requestLogger.http(new RequestMeters(metrics.registry())::record);
    });
    AppendRoute append = new AppendRoute(log, engine, config);
    ReadRoute read = new ReadRoute(log, followers);
    StatementRoute statements = new StatementRoute(log, engine);
    StatusRoutes status = new StatusRoutes(log, engine, config, followers);
    app.post("/streams/{stream}/events", append::handle);
    app.get("/streams/{stream}/events", read::handle);
    app.get("/streams", status::list);
    app.post("/statements", statements::handle);
    app.get("/health", status::health);
    if (engine != null) {
      ViewRoutes views = new ViewRoutes(engine);
      app.get("/views", views::list);
      app.get("/views/{view}", views::one);
      app.get("/views/{view}/rows", views::scan);
      app.get("/views/{view}/rows/{key}", views::row);
      app.get("/views/{view}/dead_letters", views::deadLetters);
      app.get("/views/{view}/changes", new ChangesRoute(engine, streams)::handle);
      app.get("/query", new QueryRoute(engine, streams)::handle);
      app.get("/views/{view}/search", views::search);
    }
    app.get("/lineage/{stream}/<id>", new LineageRoute(log, engine)::handle);
    app.get("/status", status::status);
    metrics.watch(log, engine);
    Gauges.open(metrics.registry(), followers::open, streams::open);
    app.get("/metrics", ctx -> {
      Params.of(ctx, java.util.Set.of());
      ctx.contentType(SluiceMetrics.CONTENT_TYPE).result(metrics.scrape());
    });
    app.get("/", new ConsoleRoute()::handle);
    app.exception(LogException.class, SluiceServer::logError);
    app.exception(LanguageException.class, SluiceServer::languageError);
    app.exception(HttpResponseException.class, SluiceServer::httpError);
    app.exception(Exception.class, SluiceServer::serverFault);
    app.start();
    return new SluiceServer(app, followers, streams, own);
  }

  public int port() {
    return app.port();
  }

  /** Ends open follows, then stops accepting and finishes requests in flight. */
  public void stop() {
    followers.stop();
    streams.stop();
    app.stop();
    if (ownMetrics != null) {
      ownMetrics.close();
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** The version in the jar's Maven metadata; {@code dev} when running from classes. */
  public static String version() {
    try (InputStream in = SluiceServer.class.getResourceAsStream("/META-INF/maven/dev.sluice/sluice/pom.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "dev");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void logError(LogException e, Context ctx) {
    Map<String, Object> where = new LinkedHashMap<>();
    if (e instanceof InputError input) {
      if (input.event() > 0) {
        where.put("event", input.event());
      }
      where.put("line", input.line());
      where.put("column", input.column());
      where.put("detail", input.detail());
    }
    Responses.error(ctx, e.code().httpStatus(), e.code().wireName(), e.getMessage(), where);
  }

  /** Statements the language refuses: its codes ({@code syntax_error}, …) are part of the contract. */
  private static void languageError(LanguageException e, Context ctx) {
    Map<String, Object> where = new LinkedHashMap<>();
    where.put("line", e.line());
    where.put("column", e.column());
    where.put("detail", e.reason());
    e.hint().ifPresent(hint -> where.put("hint", hint));
    Responses.error(ctx, 400, e.code(), e.getMessage(), where);
  }

  private static void httpError(HttpResponseException e, Context ctx) {
    int status = e.getStatus();
    String message = switch (status) {
      case 404 -> "no endpoint " + ctx.method() + " " + ctx.path();
      case 405 -> ctx.method() + " is not allowed on " + ctx.path() + allowed(e);
      default -> e.getMessage();
    };
    Responses.error(ctx, status, Responses.codeFor(status), message, Map.of());
  }

  private static String allowed(HttpResponseException e) {
    String methods = e.getDetails().get("availableMethods");
    return methods == null ? "" : "; use " + methods.replaceAll("[\\[\\]]", "");
  }

  private static void serverFault(Exception e, Context ctx) {
    LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
    if (ctx.res().isCommitted()) {
      Followers.abort(ctx.req(), e);
      return;
    }
    Responses.error(ctx, 500, "internal", "the server failed: " + e, Map.of());
  }
}
