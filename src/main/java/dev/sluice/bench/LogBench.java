package dev.sluice.bench;

import dev.sluice.bench.kafka.KafkaAppendBench;
import dev.sluice.kafka.broker.KafkaBroker;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import dev.sluice.stores.Folders;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice bench log}: durable appends to Sluice's embedded log, in process and over HTTP, and
 * to a real Kafka broker started from Maven Central's jars, in one run on one machine. Prints each
 * scenario as it finishes and ends with one JSON line of the headline figures.
 */
public final class LogBench {
  /** How long each scenario warms up and is measured. */
  public record Settings(Duration warmup, Duration duration, boolean kafka) {}

  /** Events per request in the half-peak scenario and the one whose peak it halves. */
  private static final int HALF_PEAK_BATCH = 100;
  /** How long the host-jitter probe's threads sleep: about one fsync round of the half-peak scenario. */
  private static final long JITTER_SLEEP_MICROS = 350;

  private LogBench() {}

  public static void run(Settings settings, PrintStream out) throws Exception {
    out.printf(Locale.ROOT, "bench log: %d cores, %s, %s; %s warm-up + %s measured per scenario; values of %d bytes%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), "Java " + Runtime.version(),
        settings.warmup(), settings.duration(), SluiceAppendBench.VALUE_BYTES);
    List<SluiceAppendBench.Result> sluice = new ArrayList<>();
    SluiceAppendBench.Result halfPeak;
    DiskProbe.Pipeline diskAtHalfPeak;
    BarePipeline.Result bareAtHalfPeak;
    HostJitter.Result jitter;
    SluiceAppendBench.Window halfPeakWindow = new SluiceAppendBench.Window(settings.duration());
    SluiceAppendBench.Result http;
    Path dir = Files.createTempDirectory("sluice-bench-log");
    DiskProbe.Result disk;
    try {
      out.println("-- The disk alone (the floor under any durable acknowledgement)");
      disk = DiskProbe.run(dir, 4096, 2000);
      out.println(disk.line());
      out.println("-- Sluice, in process, fsync before every acknowledgement (group commit)");
      try (EmbeddedLog log = EmbeddedLog.open(dir.resolve("always"), EmbeddedLog.Options.defaults())) {
        sluice.addAll(SluiceAppendBench.matrix(log, "sluice in-process fsync=always", settings.warmup(), settings.duration(), out::println));
        SluiceAppendBench.Result peak = sluice.stream().filter(r -> r.writers() == 16 && r.batch() == HALF_PEAK_BATCH).findFirst().orElseThrow();
        out.println("-- The host's wake-ups, just before the half-peak scenario (a stall delays every request passing through that core)");
        jitter = HostJitter.run(Runtime.getRuntime().availableProcessors(), JITTER_SLEEP_MICROS, settings.duration());
        out.println(jitter.line());
        out.printf(Locale.ROOT, "-- Sluice, in process, 16 writers × 100 paced at half of that scenario's peak (%.0f events/s)%n", peak.eventsPerS() / 2);
        // A log of its own, so that its writer's meters show only this scenario.
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        meters.config().meterFilter(new MeterFilter() {
          @Override
          public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
            return DistributionStatisticConfig.builder().percentiles(0.5, 0.99, 0.999).build().merge(config);
          }
        });
        try (EmbeddedLog half = EmbeddedLog.open(dir.resolve("half"), EmbeddedLog.Options.defaults().withMeters(meters))) {
          halfPeak = SluiceAppendBench.run(half, "sluice half-peak fsync=always", 16, HALF_PEAK_BATCH, settings.warmup(), settings.duration(),
              peak.eventsPerS() / 2, halfPeakWindow);
        }
        out.println(halfPeak.line());
        out.println(halfPeakWindow.describe());
        out.println(writerLine(meters));
        // The same appends at the same pace with no log: the part of the latency that is the disk's.
        double eventBytes = HalfPeakBench.bytesPerEvent(meters);
        out.printf(Locale.ROOT, "-- The disk alone at that pace: the half-peak scenario's requests (%d events, %.0f bytes each) appended and group-committed with no log%n",
            HALF_PEAK_BATCH, eventBytes * HALF_PEAK_BATCH);
        diskAtHalfPeak = DiskProbe.groupCommit(dir, (int) Math.round(eventBytes * HALF_PEAK_BATCH), halfPeak.eventsPerS() / HALF_PEAK_BATCH,
            settings.duration());
        out.println(diskAtHalfPeak.line());
        out.println("-- The same threads at that pace with the log taken out: paced callers, a queue, the log's writing and syncing threads, futures");
        bareAtHalfPeak = BarePipeline.run(dir, 16, (int) Math.round(eventBytes * HALF_PEAK_BATCH), halfPeak.eventsPerS() / HALF_PEAK_BATCH,
            settings.warmup(), settings.duration());
        out.println(bareAtHalfPeak.line());
        out.println("-- Sluice over HTTP (NDJSON batches of 1000, 4 client threads on the same machine)");
        SluiceServer server = SluiceServer.start(log, Config.defaults().withPort(0));
        try {
          log.create(new StreamSpec("bench_http", StreamKind.STREAM, null, 4), false);
          http = HttpAppendBench.run("http://127.0.0.1:" + server.port(), "bench_http", 4, 1000, settings.warmup(), settings.duration());
          out.println(http.line());
        } finally {
          server.stop();
        }
      }
      out.println("-- Sluice, in process, --fsync interval (acknowledged before fsync; fsync every 100 ms)");
      try (EmbeddedLog log = EmbeddedLog.open(dir.resolve("interval"), EmbeddedLog.Options.defaults().withFsync(EmbeddedLog.Fsync.INTERVAL))) {
        for (int writers : new int[] {1, 16}) {
          SluiceAppendBench.Result r = SluiceAppendBench.run(log, "sluice in-process fsync=interval", writers, 1000, settings.warmup(), settings.duration(), 0);
          out.println(r.line());
          sluice.add(r);
        }
      }
    } finally {
      Folders.delete(dir);
    }

    List<KafkaAppendBench.Result> kafka = List.of();
    if (settings.kafka()) {
      out.println("-- Apache Kafka 4.x, one KRaft broker on this machine, idempotent producer, acks=all");
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
      try (KafkaBroker broker = KafkaBroker.startTemporary()) {
        KafkaAppendBench.Settings kafkaSettings = KafkaAppendBench.Settings.defaults().withDuration(settings.duration());
        kafka = KafkaAppendBench.run(broker.bootstrapServers(), kafkaSettings, out::println);
      }
    }

    SluiceAppendBench.Result sluiceBest = sluice.stream()
        .filter(r -> r.scenario().contains("fsync=always") && r.batch() >= 100)
        .max(Comparator.comparingDouble(SluiceAppendBench.Result::eventsPerS)).orElseThrow();
    double kafkaBest = kafka.stream()
        .filter(r -> r.scenario().equals(KafkaAppendBench.Durability.FSYNC_EVERY_MESSAGE.scenario()) && r.batch() >= 100)
        .mapToDouble(KafkaAppendBench.Result::eventsPerS).max().orElse(Double.NaN);
    out.println("-- Summary");
    out.printf(Locale.ROOT, "Sluice durable, batched, best: %,.0f events/s (%d writers × %d)%n", sluiceBest.eventsPerS(), sluiceBest.writers(), sluiceBest.batch());
    out.printf(Locale.ROOT, "Kafka flush.messages=1, batched, best: %,.0f events/s%n", kafkaBest);
    out.printf(Locale.ROOT, "Sluice HTTP NDJSON ×1000: %,.0f events/s; ack p99 at half peak: %.3f ms (the same threads with the log taken out: p99 %.3f ms; "
            + "the disk alone at that pace: p99 %.3f ms; one fsync alone: p99 %.3f ms; the host's wake-up stalls: %.2f %% of a thread's time)%n",
        http.eventsPerS(), halfPeak.p99Ms(), bareAtHalfPeak.p99Ms(), diskAtHalfPeak.p99Ms(), disk.p99Ms(), jitter.stalledPct());
    out.printf(Locale.ROOT, "{\"bench\":\"log\",\"sluice_events_per_s\":%.0f,\"kafka_events_per_s\":%s,\"ratio\":%s,\"p99_ack_ms\":%.3f,\"http_events_per_s\":%.0f,\"disk_fsync_p99_ms\":%.3f,\"disk_group_commit_p99_ms\":%.3f,\"bare_pipeline_p99_ms\":%.3f,\"host_stalled_pct\":%.2f,\"half_peak_steal_pct\":%s}%n",
        sluiceBest.eventsPerS(),
        Double.isNaN(kafkaBest) ? "null" : String.format(Locale.ROOT, "%.0f", kafkaBest),
        Double.isNaN(kafkaBest) ? "null" : String.format(Locale.ROOT, "%.2f", sluiceBest.eventsPerS() / kafkaBest),
        halfPeak.p99Ms(), http.eventsPerS(), disk.p99Ms(), diskAtHalfPeak.p99Ms(), bareAtHalfPeak.p99Ms(), jitter.stalledPct(),
        Double.isNaN(halfPeakWindow.host().stealPct()) ? "null" : String.format(Locale.ROOT, "%.2f", halfPeakWindow.host().stealPct()));
  }

  /** What the writer's meters saw: how the acknowledgement time splits into waiting and fsyncing. */
  private static String writerLine(SimpleMeterRegistry meters) {
    Timer fsync = meters.get("sluice.log.fsync").timer();
    Timer ack = meters.get("sluice.log.append.acknowledgement").timer();
    Timer written = meters.get("sluice.log.append.written").timer();
    DistributionSummary groups = meters.get("sluice.log.group.requests").summary();
    Timer rolls = meters.get("sluice.log.roll").timer();
    return String.format(Locale.ROOT,
        "   writer (warm-up included): %,d fsyncs, fsync %s; arrival→written %s; arrival→ack %s; %.1f requests per fsync round; %d segment rolls, max %.1f ms",
        fsync.count(), percentiles(fsync), percentiles(written), percentiles(ack), groups.mean(), rolls.count(), rolls.max(TimeUnit.MILLISECONDS));
  }

  private static String percentiles(Timer timer) {
    StringBuilder s = new StringBuilder();
    for (ValueAtPercentile v : timer.takeSnapshot().percentileValues()) {
      s.append(s.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "p%s %.3f ms",
          BigDecimal.valueOf(v.percentile() * 100).stripTrailingZeros().toPlainString(), v.value(TimeUnit.MILLISECONDS)));
    }
    return s.toString();
  }

}
