package dev.sluice.server;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Times every HTTP request by method, route pattern and status ({@code sluice_http_requests_seconds}). */
final class RequestMeters {
  private final MeterRegistry registry;
  /** One timer per (method, route, status), made once: the append path should not build meters per request. */
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

  RequestMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  void record(Context ctx, Float executionMs) {
    String method = ctx.method().name();
    String route = route(ctx);
    String status = Integer.toString(ctx.statusCode());
    Timer timer = timers.computeIfAbsent(method + ' ' + route + ' ' + status, k -> Timer.builder("sluice.http.requests")
        .description("HTTP requests, by method, route and status; a follow or subscription counts when it ends")
        .tag("method", method)
        .tag("route", route)
        .tag("status", status)
        .register(registry));
    timer.record((long) (executionMs * 1_000_000L), TimeUnit.NANOSECONDS);
  }

  /** The pattern that matched ({@code /views/{view}/rows/{key}}): a path per key would grow without end. */
  private static String route(Context ctx) {
    try {
      String path = ctx.endpointHandlerPath();
      return path == null || path.isEmpty() ? "unmatched" : path;
    } catch (RuntimeException noEndpoint) {
      return "unmatched";
    }
  }
}
