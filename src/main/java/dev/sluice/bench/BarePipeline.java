package dev.sluice.bench;

import dev.sluice.log.embedded.DiskStorage;
import dev.sluice.log.embedded.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * for their futures. Where the log writes its segments directly (docs/log-format.md §8), one thread
 * takes what has queued, appends each request to a file opened as the log opens its segments, syncs
 * it (one direct write) and completes those requests; otherwise one thread appends and a second
 * fdatasyncs whatever was appended since its last fdatasync and completes those requests. Either way
 * group commit, and no encoding, checksums, hashes, indexes or duplicate checks.
 *
 * <p>Measured beside the log at the same pace, it is the part of the log's latency that this
 * machine's scheduler and disk set for any design of this shape: the log's latency less this is
 * the log's own.
 */
public final class BarePipeline {
  private BarePipeline() {}

  /** What a run measured: each request from its submission to its caller's wake-up. */
  public record Result(int writers, int bytes, double requestsPerS, boolean direct, long requests, double p50Ms, double p99Ms, double p999Ms) {
    public String line() {
      return String.format(Locale.ROOT,
          "bare pipeline: %d paced callers, %,d-byte requests %,.0f times a second, %s, "
              + "%,d requests: submitted → caller woken p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms",
          writers, bytes, requestsPerS,
          direct ? "written and synced by one thread (direct writes, as the log's segments)" : "appended by one thread and fdatasynced by another",
          requests, p50Ms, p99Ms, p999Ms);
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
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    try (Storage.StorageFile out = new DiskStorage().openForAppends(file)) {
      boolean direct = out.writesOnSync();
      List<Thread> threads = direct ? directThreads(out, bytes, queue, failures) : pageCacheThreads(out, bytes, queue, failures);
      threads.forEach(Thread::start);
      try {
        return drive(writers, bytes, requestsPerS, direct, warmup, duration, queue, failures);
      } finally {
        for (Thread t : threads) {
          t.interrupt();
          t.join();
        }
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** The log's shape with direct files: one thread appends a round, syncs it, completes it. */
  private static List<Thread> directThreads(Storage.StorageFile out, int bytes, BlockingQueue<Request> queue, List<Throwable> failures) {
    ByteBuffer payload = ByteBuffer.allocate(bytes);
    return List.of(looping("bare-pipeline-writer", failures, () -> {
      List<Request> group = appendQueued(queue, out, payload);
      out.sync();
      group.forEach(r -> r.done().complete(null));
    }));
  }

  /** The log's shape through the page cache: one thread appends, another fdatasyncs and completes. */
  private static List<Thread> pageCacheThreads(Storage.StorageFile out, int bytes, BlockingQueue<Request> queue, List<Throwable> failures) {
    BlockingQueue<List<Request>> appended = new LinkedBlockingQueue<>();
    ByteBuffer payload = ByteBuffer.allocate(bytes);
    Thread appender = looping("bare-pipeline-appender", failures, () -> appended.put(appendQueued(queue, out, payload)));
    Thread syncer = looping("bare-pipeline-syncer", failures, () -> {
      List<List<Request>> groups = new ArrayList<>();
      groups.add(appended.take());
      appended.drainTo(groups);
      out.sync();
      for (List<Request> group : groups) {
        group.forEach(r -> r.done().complete(null));
      }
    });
    return List.of(appender, syncer);
  }

  /** Takes what has queued, waiting for the first request if none has, and appends each request's bytes. */
  private static List<Request> appendQueued(BlockingQueue<Request> queue, Storage.StorageFile out, ByteBuffer payload)
      throws IOException, InterruptedException {
    List<Request> group = new ArrayList<>();
    group.add(queue.take());
    queue.drainTo(group);
    for (int i = 0; i < group.size(); i++) {
      out.append(payload.clear());
    }
    return group;
  }

  /** One turn of a pipeline thread's loop. */
  private interface Step {
    void run() throws IOException, InterruptedException;
  }

  /** A thread repeating {@code step} until interrupted; a failure ends it and is kept for the run to report. */
  private static Thread looping(String name, List<Throwable> failures, Step step) {
    return daemon(name, () -> {
      try {
        while (true) {
          step.run();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException | RuntimeException e) {
        failures.add(e);
      }
    });
  }

  private static Result drive(int writers, int bytes, double requestsPerS, boolean direct, Duration warmup, Duration duration,
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
    return new Result(writers, bytes, requestsPerS, direct, paced.answered(), latency.quantileMs(0.5), latency.quantileMs(0.99), latency.quantileMs(0.999));
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }
}
