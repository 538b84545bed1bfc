package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads that another instance of the cluster serves (docs/deploy-kafka.md "Any instance answers"):
 * the request goes to the owner as it came, marked as forwarded, and its answer comes back as it
 * is. A forwarded request is never forwarded again, so ownership that moves while a read is on
 * its way costs a retry, not a loop.
 */
final class Forwarding {
  /** Marks a request one instance sent another. */
  static final String HEADER = "Sluice-Forwarded";
  private static final Duration CONNECT_LIMIT = Duration.ofSeconds(2);
  /** Beyond the request's own timeout: what the hop itself may take. */
  private static final Duration HOP_LIMIT = Duration.ofSeconds(10);
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(CONNECT_LIMIT).build();

  private Forwarding() {}

  static boolean forwarded(Context ctx) {
    return ctx.header(HEADER) != null;
  }

  /** Answers {@code ctx} with what the instance at {@code owner} answers to the same request. */
  static void forward(Context ctx, String owner, Duration timeout) {
    HttpResponse<byte[]> response = send(ctx, owner, timeout);
    ctx.status(response.statusCode());
    response.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
    ctx.header("Sluice-Served-By", owner);
    ctx.result(response.body());
  }

  /** What the instance at {@code owner} answers to the same request, which must succeed. */
  static byte[] fetch(Context ctx, String owner, Duration timeout) {
    HttpResponse<byte[]> response = send(ctx, owner, timeout);
    if (response.statusCode() != 200) {
      throw new LogException(ErrorCode.OVERLOADED, "the instance at " + owner + " answered its part with "
          + response.statusCode() + ": " + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return response.body();
  }

  private static HttpResponse<byte[]> send(Context ctx, String owner, Duration timeout) {
    String query = ctx.queryString();
    URI uri = URI.create(owner + ctx.path() + (query == null ? "" : "?" + query));
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout.plus(HOP_LIMIT)).header(HEADER, "1").GET().build();
    try {
      return CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new LogException(ErrorCode.OVERLOADED, "the instance at " + owner + " that serves these rows did not answer ("
          + e.getMessage() + "); its partitions move to another instance within the session timeout: retry");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.TIMEOUT, "interrupted while asking " + owner);
    }
  }
}
