package dev.sluice.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The embedded log's write path with the log taken out: the same threads handing the same bytes to
 * the same disk, and nothing else. Paced callers put requests of a given size on a queue and wait
 * for their futures; one thread takes what has queued and appends each request to a file; a second
 * fdatasyncs whatever was appended since its last fdatasync and completes those requests (group
 * commit). No encoding, checksums, hashes, indexes or duplicate checks.
 *
 * <p>Measured beside the log at the same pace, it is the part of the log's latency that this
 * machine's scheduler and disk set for any design of this shape: the log's latency less this is
 * the log's own.
 */
public final class BarePipeline {
  private BarePipeline() {}

  /** What a run measured: each request from its submission to its caller's wake-up. */
  public record Result(int writers, int bytes, double requestsPerS, long requests, double p50Ms, double p99Ms, double p999Ms) {
    public String line() {
      return String.format(Locale.ROOT,
          "bare pipeline: %d paced callers, %,d-byte requests %,.0f times a second, appended by one thread and fdatasynced by another, "
              + "%,d requests: submitted → caller woken p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms",
          writers, bytes, requestsPerS, requests, p50Ms, p99Ms, p999Ms);
    }
  }

  private record Request(CompletableFuture<Void> done) {}

  /**
   * Runs {@code writers} callers submitting {@code requestsPerS} requests of {@code bytes} a second
   * together, for {@code duration} after {@code warmup}, on a file in {@code dir} (removed after).
   * The callers are {@link SluiceAppendBench#paced}'s, as the log's scenario's are: each waits for
   * its answer before its next turn, and their turns are spread evenly over the interval.
   */
  public static Result run(Path dir, int writers, int bytes, double requestsPerS, Duration warmup, Duration duration)
      throws IOException, InterruptedException {
    Path file = Files.createTempFile(dir, "bare-pipeline", ".bin");
    BlockingQueue<Request> queue = new ArrayBlockingQueue<>(8192);
    BlockingQueue<List<Request>> appended = new LinkedBlockingQueue<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      Thread appender = daemon("bare-pipeline-appender", () -> {
        ByteBuffer payload = ByteBuffer.allocate(bytes);
        try {
          while (true) {
            List<Request> group = new ArrayList<>();
            group.add(queue.take());
            queue.drainTo(group);
            for (int i = 0; i < group.size(); i++) {
              payload.clear();
              while (payload.hasRemaining()) {
                channel.write(payload);
              }
            }
            appended.put(group);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
          failures.add(e);
        }
      });
      Thread syncer = daemon("bare-pipeline-syncer", () -> {
        try {
          while (true) {
            List<List<Request>> groups = new ArrayList<>();
            groups.add(appended.take());
            appended.drainTo(groups);
            channel.force(false);
            for (List<Request> group : groups) {
              group.forEach(r -> r.done().complete(null));
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
          failures.add(e);
        }
      });
      appender.start();
      syncer.start();
      try {
        return drive(writers, bytes, requestsPerS, warmup, duration, queue, failures);
      } finally {
        appender.interrupt();
        syncer.interrupt();
        appender.join();
        syncer.join();
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Result drive(int writers, int bytes, double requestsPerS, Duration warmup, Duration duration,
      BlockingQueue<Request> queue, List<Throwable> failures) throws InterruptedException {
    SluiceAppendBench.Paced paced = SluiceAppendBench.paced(writers, 1, requestsPerS, warmup, duration, w -> () -> {
      Request r = new Request(new CompletableFuture<>());
      queue.put(r);
      r.done().get(60, TimeUnit.SECONDS);
    }, null, "a request of the bare pipeline failed");
    if (!failures.isEmpty()) {
      throw new IllegalStateException("the bare pipeline failed", failures.get(0));
    }
    Histogram latency = paced.latency();
    return new Result(writers, bytes, requestsPerS, paced.answered(), latency.quantileMs(0.5), latency.quantileMs(0.99), latency.quantileMs(0.999));
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }
}
