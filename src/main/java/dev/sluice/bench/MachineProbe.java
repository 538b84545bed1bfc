package dev.sluice.bench;

import java.util.HashMap;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * A short, fixed, single-threaded CPU workload timed before a benchmark, so that figures taken on
 * different days (or machines) can be set side by side: CRC32C over a 50 MB buffer twenty times
 * (1,000 MB: the instruction is in hardware, so it takes little), then a HashMap of 100,000 boxed
 * keys taking 2,000,000 puts and gets (cache misses and allocation, as a view's work has). Each part runs three times and the fastest
 * counts (the first run also warms the JIT); {@link #millis} is the sum of the two fastest times.
 * It measures one core's speed as the benchmark will find it, load from other processes included.
 */
public final class MachineProbe {
  private static final int CRC_BUFFER = 50 << 20;
  private static final int CRC_ROUNDS = 20;
  private static final int MAP_KEYS = 100_000;
  private static final int MAP_OPERATIONS = 2_000_000;
  private static final int RUNS = 3;

  /** The probe's result: each part's fastest time and their sum. */
  public record Result(double crcMs, double mapMs) {
    public double millis() {
      return crcMs + mapMs;
    }

    public String describe() {
      return String.format(Locale.ROOT,
          "machine probe: %.0f ms (one thread: CRC32C of 20 × 50 MB %.1f ms, HashMap of 100,000 keys taking 2,000,000 puts and gets %.1f ms; fastest of %d each)",
          millis(), crcMs, mapMs, RUNS);
    }
  }

  /** Sinks results so the JIT cannot drop the work. */
  private static volatile long sink;

  private MachineProbe() {}

  public static Result run() {
    byte[] buffer = new byte[CRC_BUFFER];
    for (int i = 0; i < buffer.length; i++) {
      buffer[i] = (byte) (i * 31 + (i >>> 8));
    }
    double crc = Double.MAX_VALUE;
    double map = Double.MAX_VALUE;
    for (int run = 0; run < RUNS; run++) {
      long t = System.nanoTime();
      CRC32C c = new CRC32C();
      for (int i = 0; i < CRC_ROUNDS; i++) {
        c.update(buffer, 0, buffer.length);
      }
      sink += c.getValue();
      crc = Math.min(crc, (System.nanoTime() - t) / 1e6);

      t = System.nanoTime();
      HashMap<Integer, Integer> m = new HashMap<>();
      long x = 0x9E3779B97F4A7C15L;
      long total = 0;
      for (int i = 0; i < MAP_OPERATIONS; i++) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        int key = (int) Math.floorMod(x, MAP_KEYS);
        if ((i & 1) == 0) {
          m.merge(key, 1, Integer::sum);
        } else {
          Integer v = m.get(key);
          total += v == null ? 0 : v;
        }
      }
      sink += total + m.size();
      map = Math.min(map, (System.nanoTime() - t) / 1e6);
    }
    return new Result(crc, map);
  }
}
