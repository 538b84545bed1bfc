package dev.sluice.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor under every durable acknowledgement: how long this disk takes to append a few KiB and
 * fdatasync them, with nothing else in the way. No log can acknowledge durably faster than this.
 */
public final class DiskProbe {
  private DiskProbe() {}

  public record Result(int bytes, int rounds, double p50Ms, double p99Ms, double p999Ms) {
    public String line() {
      return String.format(java.util.Locale.ROOT,
          "disk: append %d bytes + fdatasync, %d times: p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms", bytes, rounds, p50Ms, p99Ms, p999Ms);
    }
  }

  public static Result run(Path dir, int bytes, int rounds) throws IOException {
    Path file = Files.createTempFile(dir, "disk-probe", ".bin");
    Histogram latency = new Histogram();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.allocate(bytes);
      long position = 0;
      for (int i = 0; i < rounds; i++) {
        buffer.clear();
        long start = System.nanoTime();
        while (buffer.hasRemaining()) {
          position += channel.write(buffer, position);
        }
        channel.force(false);
        latency.recordNanos(System.nanoTime() - start);
      }
    } finally {
      Files.deleteIfExists(file);
    }
    return new Result(bytes, rounds, latency.quantileMs(0.5), latency.quantileMs(0.99), latency.quantileMs(0.999));
  }
  /** What {@link #groupCommit} measured. */
  public record Pipeline(int bytes, double requestsPerS, long requests, double p50Ms, double p99Ms, double p999Ms) {
    public String line() {
      return String.format(java.util.Locale.ROOT,
          "disk: %,d bytes appended %,.0f times a second, fdatasync by a second thread (group commit), %,d appends: "
              + "append → durable p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms",
          bytes, requestsPerS, requests, p50Ms, p99Ms, p999Ms);
    }
  }

  /**
   * The disk alone doing what the log's writer does, at a given pace and with no log: one thread
   * appends {@code bytes} {@code requestsPerS} times a second; another fsyncs whatever was appended
   * since its last fsync, then counts those appends durable. Each append's latency runs from the
   * start of its write to the end of the fsync that covered it: a request that arrives during an
   * fsync waits for it and then for its own, as in the log. Compared with the log's latency at
   * the same pace, it shows how much of that latency is the disk's.
   */
  public static Pipeline groupCommit(Path dir, int bytes, double requestsPerS, Duration duration)
      throws IOException, InterruptedException {
    Path file = Files.createTempFile(dir, "disk-pipeline", ".bin");
    int requests = (int) Math.max(1, requestsPerS * duration.toNanos() / 1e9);
    long[] started = new long[requests];
    long[] durable = new long[requests];
    long intervalNanos = (long) (1e9 / requestsPerS);
    Object lock = new Object();
    int[] written = {0};
    IOException[] failed = {null};
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      Thread syncer = new Thread(() -> {
        int synced = 0;
        try {
          while (synced < requests) {
            int upTo;
            synchronized (lock) {
              while (written[0] == synced) {
                lock.wait();
              }
              upTo = written[0];
            }
            channel.force(false);
            long now = System.nanoTime();
            for (int i = synced; i < upTo; i++) {
              durable[i] = now;
            }
            synced = upTo;
          }
        } catch (IOException e) {
          failed[0] = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "disk-probe-syncer");
      syncer.setDaemon(true);
      syncer.start();
      ByteBuffer buffer = ByteBuffer.allocate(bytes);
      long position = 0;
      long next = System.nanoTime();
      try {
        for (int i = 0; i < requests && failed[0] == null; i++) {
          for (long now = System.nanoTime(); now < next; now = System.nanoTime()) {
            LockSupport.parkNanos(next - now);
          }
          next += intervalNanos;
          started[i] = System.nanoTime();
          buffer.clear();
          while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
          }
          synchronized (lock) {
            written[0] = i + 1;
            lock.notify();
          }
        }
      } catch (IOException e) {
        syncer.interrupt();
        throw e;
      }
      syncer.join();
      if (failed[0] != null) {
        throw failed[0];
      }
    } finally {
      Files.deleteIfExists(file);
    }
    Histogram latency = new Histogram();
    for (int i = 0; i < requests; i++) {
      latency.recordNanos(durable[i] - started[i]);
    }
    return new Pipeline(bytes, requestsPerS, requests, latency.quantileMs(0.5), latency.quantileMs(0.99), latency.quantileMs(0.999));
  }
}
