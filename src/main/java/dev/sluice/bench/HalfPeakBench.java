package dev.sluice.bench;

import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.stores.Folders;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code sluice bench half-peak}: the half-peak scenario of {@code bench log} against the bare
 * pipeline ({@link BarePipeline}: the same threads at the same pace with the log taken out), in
 * pairs that alternate A B B A …, so that both meet the same minutes of a noisy host. One window
 * of five seconds says little on a virtual machine whose disk and cores stall for milliseconds a
 * few times a second; the median over pairs of Sluice's p99 less the bare pipeline's says how much
 * of the p99 is the log's own.
 */
public final class HalfPeakBench {
  /** How long each run warms up and is measured, how many pairs, and the pace (0: half of the 16 × 100 peak, measured first). */
  public record Settings(Duration warmup, Duration duration, int pairs, double eventsPerS) {}

  static final int WRITERS = 16;
  static final int BATCH = 100;

  private HalfPeakBench() {}

  public static void run(Settings settings, PrintStream out) throws Exception {
    Path dir = Files.createTempDirectory("sluice-bench-half-peak");
    try {
      double rate = settings.eventsPerS();
      if (rate <= 0) {
        SluiceAppendBench.Result peak = sluice(dir, "peak", 0, settings, new SimpleMeterRegistry());
        out.println(peak.line());
        rate = peak.eventsPerS() / 2;
      }
      out.printf(Locale.ROOT, "-- %d pairs at %.0f events/s (%d writers × %d), A B B A …: Sluice's half-peak scenario on a fresh log, "
          + "then the bare pipeline at the same pace%n", settings.pairs(), rate, WRITERS, BATCH);
      List<Double> sluice = new ArrayList<>();
      List<Double> bare = new ArrayList<>();
      int requestBytes = 0;
      for (int i = 0; i < 2 * settings.pairs(); i++) {
        boolean sluiceTurn = i % 4 == 0 || i % 4 == 3;
        HostUsage before = HostUsage.sample();
        if (sluiceTurn) {
          SimpleMeterRegistry meters = new SimpleMeterRegistry();
          SluiceAppendBench.Result r = sluice(dir, "half-peak", rate, settings, meters);
          requestBytes = (int) Math.round(bytesPerEvent(meters) * BATCH);
          sluice.add(r.p99Ms());
          out.printf(Locale.ROOT, "sluice  p99 %.3f ms  p50 %.3f ms  (%s)%n", r.p99Ms(), r.p50Ms(), HostUsage.sample().since(before).describe());
        } else {
          BarePipeline.Result r = BarePipeline.run(dir, WRITERS, requestBytes, rate / BATCH, settings.warmup(), settings.duration());
          bare.add(r.p99Ms());
          out.printf(Locale.ROOT, "bare    p99 %.3f ms  p50 %.3f ms  (%s)%n", r.p99Ms(), r.p50Ms(), HostUsage.sample().since(before).describe());
        }
      }
      double share = shareMs(sluice, bare);
      out.printf(Locale.ROOT, "-- Medians: Sluice p99 %.3f ms, bare pipeline p99 %.3f ms; the log's own share (median of the pairs' differences) %.3f ms%n",
          Medians.of(sluice), Medians.of(bare), share);
      out.printf(Locale.ROOT, "{\"bench\":\"half-peak\",\"events_per_s\":%.0f,\"pairs\":%d,\"sluice_p99_median_ms\":%.3f,\"bare_p99_median_ms\":%.3f,\"share_ms\":%.3f}%n",
          rate, settings.pairs(), Medians.of(sluice), Medians.of(bare), share);
    } finally {
      Folders.delete(dir);
    }
  }

  /** The scenario on a log of its own, paced at {@code rate} (0: as fast as it goes). */
  private static SluiceAppendBench.Result sluice(Path dir, String label, double rate, Settings settings, MeterRegistry meters) throws Exception {
    Path logDir = Files.createTempDirectory(dir, label);
    try (EmbeddedLog log = EmbeddedLog.open(logDir, EmbeddedLog.Options.defaults().withMeters(meters))) {
      return SluiceAppendBench.run(log, "sluice " + label, WRITERS, BATCH, settings.warmup(), settings.duration(), rate);
    } finally {
      Folders.delete(logDir);
    }
  }

  /** Bytes the log wrote per event appended, from its meters: what the bare pipeline carries per event. */
  static double bytesPerEvent(MeterRegistry meters) {
    return meters.get("sluice.log.appended.bytes").counters().stream().mapToDouble(c -> c.count()).sum()
        / meters.get("sluice.log.appended.events").counters().stream().mapToDouble(c -> c.count()).sum();
  }

  /** The median over pairs of Sluice's p99 less the bare pipeline's; pair i is the i-th of each. */
  static double shareMs(List<Double> sluice, List<Double> bare) {
    List<Double> differences = new ArrayList<>();
    for (int i = 0; i < Math.min(sluice.size(), bare.size()); i++) {
      differences.add(sluice.get(i) - bare.get(i));
    }
    return Medians.of(differences);
  }
}
