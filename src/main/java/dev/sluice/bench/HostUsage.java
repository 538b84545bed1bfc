package dev.sluice.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The machine's CPU time as the kernel counts it ({@code /proc/stat}'s first line: all cores, in
 * clock ticks) and this JVM's own CPU time, sampled at two moments. Between them it tells how busy
 * the cores were, how much of their time the hypervisor gave to other guests ("steal") and how much
 * this JVM used: a latency measured on a virtual machine is read beside these.
 */
public final class HostUsage {
  private static final Path STAT = Path.of("/proc/stat");

  /** Per field of the {@code cpu} line: user nice system idle iowait irq softirq steal; -1 where unknown. */
  private final long[] ticks;
  private final long processCpuNanos;
  private final long wallNanos;

  private HostUsage(long[] ticks, long processCpuNanos, long wallNanos) {
    this.ticks = ticks;
    this.processCpuNanos = processCpuNanos;
    this.wallNanos = wallNanos;
  }

  /** What the kernel and this JVM have counted so far. */
  public static HostUsage sample() {
    return new HostUsage(readStat(), processCpuNanos(), System.nanoTime());
  }

  /** Between {@code earlier} and this sample. */
  public Delta since(HostUsage earlier) {
    double seconds = (wallNanos - earlier.wallNanos) / 1e9;
    double cores = processCpuNanos < 0 || earlier.processCpuNanos < 0 ? Double.NaN
        : (processCpuNanos - earlier.processCpuNanos) / 1e9 / seconds;
    if (ticks == null || earlier.ticks == null) {
      return new Delta(seconds, Double.NaN, Double.NaN, Double.NaN, cores);
    }
    long total = 0;
    long[] d = new long[ticks.length];
    for (int i = 0; i < ticks.length; i++) {
      d[i] = ticks[i] - earlier.ticks[i];
      total += d[i];
    }
    if (total <= 0) {
      return new Delta(seconds, Double.NaN, Double.NaN, Double.NaN, cores);
    }
    double busy = 100.0 * (total - d[3] - d[4] - d[7]) / total;
    return new Delta(seconds, busy, 100.0 * d[4] / total, 100.0 * d[7] / total, cores);
  }

  /**
   * Percentages of all cores' time over {@code seconds}: running anything ({@code busyPct}), idle
   * waiting for the disk ({@code iowaitPct}), taken by the hypervisor ({@code stealPct}); and the
   * cores this JVM kept busy on average ({@code jvmCores}). NaN where the platform does not say.
   */
  public record Delta(double seconds, double busyPct, double iowaitPct, double stealPct, double jvmCores) {
    public String describe() {
      return String.format(Locale.ROOT, "cores busy %.1f %%, waiting for the disk %.1f %%, stolen by the hypervisor %.2f %%; this JVM used %.2f cores",
          busyPct, iowaitPct, stealPct, jvmCores);
    }
  }

  private static long[] readStat() {
    try {
      for (String line : Files.readAllLines(STAT)) {
        if (line.startsWith("cpu ")) {
          String[] f = line.trim().split("\\s+");
          if (f.length < 9) {
            return null;
          }
          long[] ticks = new long[8];
          for (int i = 0; i < 8; i++) {
            ticks[i] = Long.parseLong(f[i + 1]);
          }
          return ticks;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or a kernel that words it otherwise: the figures are unknown
    }
    return null;
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
