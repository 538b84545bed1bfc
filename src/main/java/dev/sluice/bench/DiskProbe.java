package dev.sluice.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
}
