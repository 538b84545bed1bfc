package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;

/**
 * The open {@code follow=true} reads. Each holds a thread while it waits, so their number is
 * limited; and each notices a departed client while idle, so an abandoned follow on a quiet
 * partition does not hold its thread forever.
 */
final class Followers {
  /** How often an idle follower checks that its client is still there. */
  private static final long PROBE_INTERVAL_MS = 200;

  private final int limit;
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean stopping;

  Followers(int limit) {
    this.limit = limit;
  }

  int open() {
    return open.get();
  }

  Slot open(HttpServletRequest request) {
    if (open.incrementAndGet() > limit) {
      open.decrementAndGet();
      throw new LogException(ErrorCode.OVERLOADED,
          limit + " reads are following already, the most this server allows; try again later");
    }
    return new Slot(Request.getBaseRequest(request).getHttpChannel().getEndPoint());
  }

  /** Ends every follower within one probe interval, so the server can stop. */
  void stop() {
    stopping = true;
  }

  /** Breaks a response that has already begun, so its client cannot take it for complete. */
  static void abort(HttpServletRequest request, Throwable cause) {
    Request.getBaseRequest(request).getHttpChannel().abort(cause);
  }

  final class Slot implements AutoCloseable {
    private final EndPoint endPoint;
    private final ByteBuffer probe = BufferUtil.allocate(1);

    private Slot(EndPoint endPoint) {
      this.endPoint = endPoint;
    }

    /** Waits for the record at {@code offset}; false once the client has gone or the server stops. */
    boolean awaitRecord(EventLog log, String stream, int partition, long offset) {
      CompletableFuture<Void> arrival = log.awaitRecord(stream, partition, offset);
      while (true) {
        try {
          arrival.get(PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
          return true;
        } catch (TimeoutException e) {
          if (stopping || clientGone()) {
            arrival.cancel(false);
            return false;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        } catch (ExecutionException e) {
          throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        }
      }
    }

    /**
     * A follow request has no more body to read, so Jetty is not reading the connection; reading
     * it here is the only way to see the client's close without writing bytes it did not ask for.
     */
    private boolean clientGone() {
      if (!endPoint.isOpen()) {
        return true;
      }
      try {
        BufferUtil.clear(probe);
        int read = endPoint.fill(probe);
        if (read > 0) {
          // The client sent more than its request; the connection cannot be reused after that.
          endPoint.close();
        }
        return read != 0;
      } catch (IOException e) {
        return true;
      }
    }

    @Override
    public void close() {
      open.decrementAndGet();
    }
  }
}
