package dev.sluice.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * {@code GET /}: the console, one static page (HTML and plain JavaScript, no build step) that reads
 * the same API as every client: {@code /streams}, {@code /views}, {@code /status}, the changes of a
 * view as server-sent events, {@code POST /statements} and {@code /query?follow=true}.
 */
final class ConsoleRoute {
  private final byte[] page;

  ConsoleRoute() {
    try (InputStream in = ConsoleRoute.class.getResourceAsStream("/console/index.html")) {
      if (in == null) {
        throw new IllegalStateException("the console page is missing from the jar (console/index.html)");
      }
      page = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void handle(Context ctx) {
    Params.of(ctx, Set.of());
    ctx.contentType("text/html; charset=utf-8");
    ctx.header("Cache-Control", "no-cache");
    ctx.result(page);
  }
}
