package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open server-sent-event responses (view changes, followed queries). Each runs on a virtual
 * thread of its own, outside Jetty's pool, so thousands of subscribers cost no platform threads; a
 * subscriber's events wait for it in the view's changelog, never in front of the view.
 */
final class EventStreams {
  /** The most open streams: each holds a virtual thread and a connection. */
  static final int STREAMS_MAX = 10_000;
  static final long HEARTBEAT_MS_DEFAULT = 15_000;
  /** How long a stream waits at most between looks at whether the server stops. */
  static final long WAIT_SLICE_MS = 250;

  private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("sluice-sse-", 0).factory());
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean stopping;

  /** What a stream does; returns false once it is over. */
  @FunctionalInterface
  interface Source {
    /** Writes what is new (waiting at most {@code waitMs}); false when the stream has ended. */
    boolean pump(Sink sink, long waitMs) throws IOException, InterruptedException;
  }

  /** Hands {@code source}'s events to the client until it ends, the client leaves, or the server stops. */
  void serve(Context ctx, long heartbeatMs, Source source, Runnable onClose) {
    if (open.incrementAndGet() > STREAMS_MAX) {
      open.decrementAndGet();
      onClose.run();
      throw new LogException(ErrorCode.OVERLOADED, STREAMS_MAX + " event streams are open, the most this server allows; try again later");
    }
    ctx.status(200).contentType("text/event-stream; charset=utf-8");
    ctx.header("Cache-Control", "no-cache");
    ctx.future(() -> CompletableFuture.runAsync(() -> run(ctx, heartbeatMs, source, onClose), threads));
  }

  private void run(Context ctx, long heartbeatMs, Source source, Runnable onClose) {
    try {
      Sink sink = new Sink(ctx.res().getOutputStream());
      sink.comment("sluice");
      sink.flush();
      long idleSince = System.nanoTime();
      while (!stopping) {
        long written = sink.events;
        if (!source.pump(sink, Math.min(WAIT_SLICE_MS, heartbeatMs))) {
          sink.flush();
          return;
        }
        if (sink.events != written) {
          sink.flush();
          idleSince = System.nanoTime();
        } else if (System.nanoTime() - idleSince >= TimeUnit.MILLISECONDS.toNanos(heartbeatMs)) {
          // Keeps proxies and idle timeouts from closing a quiet stream, and finds departed clients.
          sink.comment("heartbeat");
          sink.flush();
          idleSince = System.nanoTime();
        }
      }
    } catch (IOException gone) {
      // The client left: nothing to tell it.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      Followers.abort(ctx.req(), e);
    } finally {
      onClose.run();
      open.decrementAndGet();
    }
  }

  int open() {
    return open.get();
  }

  /** Ends every stream within one wait slice; waits for them (bounded) so their reads finish first. */
  void stop() {
    stopping = true;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (open.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    threads.shutdown();
  }

  /** Writes SSE frames. */
  static final class Sink {
    private final OutputStream out;
    long events;

    Sink(OutputStream out) {
      this.out = out;
    }

    /** One event; {@code id} may be null. {@code data} is one line of JSON. */
    void event(String name, String id, byte[] data) throws IOException {
      StringBuilder head = new StringBuilder(64);
      if (id != null) {
        head.append("id: ").append(id).append('\n');
      }
      head.append("event: ").append(name).append("\ndata: ");
      out.write(head.toString().getBytes(StandardCharsets.UTF_8));
      out.write(data);
      out.write('\n');
      out.write('\n');
      events++;
    }

    void comment(String text) throws IOException {
      out.write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    void flush() throws IOException {
      out.flush();
    }
  }
}
