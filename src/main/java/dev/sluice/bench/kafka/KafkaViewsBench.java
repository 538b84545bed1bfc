package dev.sluice.bench.kafka;

import dev.sluice.bench.Medians;
import dev.sluice.bench.ViewsBench;
import dev.sluice.engine.Engine;
import dev.sluice.engine.ViewStatus;
import dev.sluice.kafka.broker.KafkaBroker;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.StreamKind;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.stores.Folders;
import dev.sluice.log.StreamSpec;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * {@code sluice bench kafka}: the views benchmark's aggregation over one Kafka topic, maintained by
 * a Sluice view on the Kafka backend and by the same aggregation as a Kafka Streams application,
 * in one run. Both start once all events are in the topic and are timed until they have processed
 * every one of them — the view from its CREATE, the application from its first record (its start,
 * joining its consumer group, is left out in its favour): events/s is the maintenance rate of one
 * thread each (a view runs on one thread; the application gets one stream thread), both exactly
 * once. The two take turns, a warm-up turn each and then {@code runs} measured turns each, and
 * their medians are compared.
 */
public final class KafkaViewsBench {
  /**
   * @param e2e how long each side's end-to-end latency is measured
   * @param instances with 1 or more, the view is also divided over 1 … this many instances of one cluster (scale-out)
   * @param runs measured turns of each side after the warm-up turn
   */
  public record Settings(long events, String bootstrapServers, Duration e2e, int instances, int runs) {
    /** Three measured runs of each side, the default. */
    public static final int RUNS = 3;
  }

  private static final int PARTITIONS = 4;
  private static final List<String> PROBES = EndToEnd.probeKeys(PARTITIONS);

  private KafkaViewsBench() {}

  /** Waits until the application has counted {@code n} probes on every partition. */
  private static void awaitProbes(KafkaStreamsAggregation app, long n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (String probe : PROBES) {
      while (app.count(probe) < n) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Kafka Streams did not count probe " + n + " of " + probe + " within 30 s");
        }
        LockSupport.parkNanos(100_000);
      }
    }
  }

  private static String e2eLine(String who, EndToEnd.Result r, double rate, String how) {
    return String.format(Locale.ROOT, "%s end to end: p50 %.1f ms, p99 %.1f ms over %,d batches of %d at %,.0f events/s (asked %,.0f); %s",
        who, r.latency().quantileMs(0.5), r.latency().quantileMs(0.99), r.latency().count(), EndToEnd.BATCH, r.eventsPerS(), rate, how);
  }

  public static void run(Settings settings, PrintStream out) throws Exception {
    out.printf(Locale.ROOT, "bench kafka: %d cores, Java %s; %,d events of 100 bytes over %,d keys; view: %s%n",
        Runtime.getRuntime().availableProcessors(), Runtime.version(), settings.events(), ViewsBench.KEYS, ViewsBench.VIEW);
    if (settings.bootstrapServers() != null) {
      run(settings, settings.bootstrapServers(), () -> Duration.ZERO, out);
      return;
    }
    out.println("starting a Kafka broker (KRaft, one node) from Maven Central's jars…");
    try (KafkaBroker broker = KafkaBroker.startTemporary()) {
      run(settings, broker.bootstrapServers(), broker::cpu, out);
    }
  }

  /** One view's backfill: wall time, and the CPU its thread, its process and the broker used meanwhile. */
  record Backfill(double seconds, double viewCpuS, double readAheadCpuS, double processCpuS, double brokerCpuS, long rows) {
    String cpuLine() {
      return String.format(Locale.ROOT, "the view's thread %.2f s CPU (%.0f%% of the time)%s, the process %.2f s, the broker %.2f s",
          viewCpuS, 100 * viewCpuS / seconds,
          readAheadCpuS > 0 ? String.format(Locale.ROOT, ", the Kafka log's read-ahead thread %.2f s", readAheadCpuS) : "",
          processCpuS, brokerCpuS);
    }
  }

  /** Creates the benchmark's view over {@code events} on {@code log} and waits until it has processed all of them. */
  static Backfill backfill(Engine engine, long events, Supplier<Duration> brokerCpu) throws InterruptedException {
    long processCpu = ViewsBench.processCpuNanos();
    long broker = brokerCpu.get().toNanos();
    long start = System.nanoTime();
    engine.create("totals", ViewsBench.VIEW, false, false);
    ViewStatus status = engine.view("totals").orElseThrow();
    long viewCpu = 0;
    while (status.eventsProcessed() < events) {
      if (status.error() != null) {
        throw new IllegalStateException("the view failed: " + status.error());
      }
      Thread.sleep(20);
      viewCpu = Math.max(viewCpu, ViewsBench.threadCpuNanos("sluice-view-totals-v"));
      status = engine.view("totals").orElseThrow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    viewCpu = Math.max(viewCpu, ViewsBench.threadCpuNanos("sluice-view-totals-v"));
    double readAheadCpu = ViewsBench.threadCpuNanos("sluice-kafka-readahead-") / 1e9;
    return new Backfill(seconds, viewCpu / 1e9, readAheadCpu, (ViewsBench.processCpuNanos() - processCpu) / 1e9,
        (brokerCpu.get().toNanos() - broker) / 1e9, status.rows());
  }

  /** The same view over the same events on the embedded log, for comparison: what reading from Kafka costs. */
  private static List<Double> embedded(long events, int runs, PrintStream out) throws Exception {
    Path dir = Files.createTempDirectory("sluice-bench-kafka-embedded");
    try (EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults().withFsync(EmbeddedLog.Fsync.INTERVAL))) {
      log.create(new StreamSpec("events", StreamKind.STREAM, "k", PARTITIONS), false);
      ViewsBench.load(log, events, out);
      try (Engine engine = Engine.open(log, dir.resolve("warm-up"))) {
        Backfill warmUp = backfill(engine, events, () -> Duration.ZERO);
        out.printf(Locale.ROOT, "warm-up, Sluice view on the embedded log: %s%n", viewLine(warmUp, events));
      }
      List<Double> rates = new ArrayList<>();
      for (int run = 1; run <= runs; run++) {
        System.gc();
        try (Engine engine = Engine.open(log, dir.resolve("views-" + run))) {
          Backfill b = backfill(engine, events, () -> Duration.ZERO);
          out.printf(Locale.ROOT, "run %d/%d, Sluice view on the embedded log: %s%n", run, runs, viewLine(b, events));
          rates.add(events / b.seconds());
        }
      }
      return rates;
    } finally {
      Folders.delete(dir);
    }
  }

  /** One Kafka Streams run: its rate from its first record, and the CPU it used from its start. */
  record StreamsRun(double perS, double seconds, double fromStartS, double threadCpuS, double processCpuS, double brokerCpuS) {
    double cpuS() {
      return processCpuS + brokerCpuS;
    }
  }

  /** Starts the application under a new id (so it reads the topic from its beginning) and times it over {@code events}. */
  private static StreamsRun streams(KafkaStreamsAggregation app, long events, long processCpu, long brokerCpuStart, long start,
      Supplier<Duration> brokerCpu) throws InterruptedException {
    if (!app.awaitConsumed(events, Duration.ofMinutes(30))) {
      throw new IllegalStateException("Kafka Streams consumed " + app.consumed() + " of " + events + " events");
    }
    long end = System.nanoTime();
    // Timed from its first record, so that its start (joining its group) does not count against it.
    double seconds = (end - app.firstRecordNanos()) / 1e9;
    return new StreamsRun(events / seconds, seconds, (end - start) / 1e9, ViewsBench.threadCpuNanos(app.streamThreadName()) / 1e9,
        (ViewsBench.processCpuNanos() - processCpu) / 1e9, (brokerCpu.get().toNanos() - brokerCpuStart) / 1e9);
  }

  private static String streamsLine(StreamsRun r, long events) {
    return String.format(Locale.ROOT, "%,d events in %.2f s from its first record = %,.0f events/s (%.2f s from its start);"
        + " its stream thread %.2f s CPU, the process %.2f s, the broker %.2f s (from its start)",
        events, r.seconds(), r.perS(), r.fromStartS(), r.threadCpuS(), r.processCpuS(), r.brokerCpuS());
  }

  private static String viewLine(Backfill b, long events) {
    return String.format(Locale.ROOT, "%,d events in %.2f s = %,.0f events/s; %,d rows; %s", events, b.seconds(), events / b.seconds(), b.rows(), b.cpuLine());
  }

  private static String jsonArray(List<Double> values) {
    StringBuilder b = new StringBuilder("[");
    for (double v : values) {
      b.append(b.length() > 1 ? "," : "").append(String.format(Locale.ROOT, "%.0f", v));
    }
    return b.append(']').toString();
  }

  private static KafkaLog openLog(String bootstrap, String cluster) {
    return KafkaLog.open(KafkaLog.Options.defaults(bootstrap).withCluster(cluster));
  }

  /**
   * The two sides take turns over the same topic, a warm-up turn each first and then {@code runs}
   * measured turns each; the medians are compared. While one side runs, nothing of the other is
   * open (Sluice's Kafka log is opened for its turn and closed after, as an instance restarting
   * would), and each turn starts after a GC, so neither inherits the other's garbage.
   */
  private static void run(Settings settings, String bootstrap, Supplier<Duration> brokerCpu, PrintStream out) throws Exception {
    long events = settings.events();
    String cluster = "bench" + System.currentTimeMillis();
    String topic = cluster + ".events";
    Path dir = Files.createTempDirectory("sluice-bench-kafka");
    List<Double> sluiceRuns = new ArrayList<>();
    List<Double> streamsRuns = new ArrayList<>();
    double sluiceCpuS = 0;
    double streamsCpuS = 0;
    double e2eRate = 0;
    EndToEnd.Result sluiceE2e = null;
    EndToEnd.Result streamsE2e = null;
    List<Double> scaleOut = List.of();
    try {
      try (KafkaLog log = openLog(bootstrap, cluster)) {
        log.create(new StreamSpec("events", StreamKind.STREAM, "k", PARTITIONS), false);
        long loadStart = System.nanoTime();
        ViewsBench.load(log, events, out);
        out.printf(Locale.ROOT, "loaded %,d events through Sluice's Kafka log in %.1f s%n", events, (System.nanoTime() - loadStart) / 1e9);
      }
      out.printf(Locale.ROOT, "turns: a warm-up turn of each side, then %d measured turns of each (Sluice, then Kafka Streams); the medians are compared%n",
          settings.runs());
      for (int turn = 0; turn <= settings.runs(); turn++) {
        boolean last = turn == settings.runs();
        String name = turn == 0 ? "warm-up" : "run " + turn + "/" + settings.runs();

        System.gc();
        try (KafkaLog log = openLog(bootstrap, cluster);
            Engine engine = Engine.open(log, dir.resolve("views-" + turn))) {
          Backfill onKafka = backfill(engine, events, brokerCpu);
          out.println(name + ", Sluice view on Kafka: " + viewLine(onKafka, events));
          if (turn > 0) {
            sluiceRuns.add(events / onKafka.seconds());
            sluiceCpuS += onKafka.processCpuS() + onKafka.brokerCpuS();
          }
          if (last) {
            // Half of the view's median rate; one writer of transactions may not reach it, and the line says what it reached.
            e2eRate = Medians.of(sluiceRuns) / 2;
            sluiceE2e = EndToEnd.run(log, "events", PARTITIONS, e2eRate, settings.e2e().toMillis(), ViewsBench.KEYS,
                (token, n) -> engine.scan("totals", null, null, null, 1, token, Duration.ofSeconds(30)));
            out.println(e2eLine("Sluice view on Kafka", sluiceE2e, e2eRate,
                "ack → a read with after=TOKEN answers; the view commits its state and positions first"));
          }
        } finally {
          Folders.delete(dir.resolve("views-" + turn));
        }

        System.gc();
        long processCpu = ViewsBench.processCpuNanos();
        long brokerCpuStart = brokerCpu.get().toNanos();
        long start = System.nanoTime();
        try (KafkaStreamsAggregation app = new KafkaStreamsAggregation(bootstrap, topic, cluster + "-streams-" + turn)) {
          StreamsRun r = streams(app, events, processCpu, brokerCpuStart, start, brokerCpu);
          out.println(name + ", Kafka Streams application: " + streamsLine(r, events));
          if (turn > 0) {
            streamsRuns.add(r.perS());
            streamsCpuS += r.cpuS();
          }
          if (last) {
            long sluiceBatches = sluiceE2e.latency().count();
            try (KafkaLog log = openLog(bootstrap, cluster)) {
              // The application also counted the probes of Sluice's run, which came before in the topic.
              streamsE2e = EndToEnd.run(log, "events", PARTITIONS, e2eRate, settings.e2e().toMillis(), ViewsBench.KEYS,
                  (token, n) -> awaitProbes(app, sluiceBatches + n));
            }
            out.println(e2eLine("Kafka Streams application", streamsE2e, e2eRate,
                "ack → an interactive query of its store shows the batch; the store's cache is read, so this does not wait for its commit"));
          }
        }
      }
      if (settings.instances() > 0) {
        scaleOut = ScaleOut.run(bootstrap, cluster, "events", PARTITIONS, events, settings.instances(), out);
      }
    } finally {
      Folders.delete(dir);
    }

    // The same view on the embedded log, for comparison (what reading from Kafka costs): a warm-up turn and as many measured runs.
    List<Double> embeddedRuns = embedded(events, settings.runs(), out);

    double sluicePerS = Medians.of(sluiceRuns);
    double streamsPerS = Medians.of(streamsRuns);
    out.printf(Locale.ROOT, "median of %d runs: Sluice view on Kafka %,.0f events/s (runs %s), Kafka Streams %,.0f events/s (runs %s); ratio %.2f;"
        + " Sluice view on the embedded log %,.0f events/s (runs %s)%n",
        settings.runs(), sluicePerS, jsonArray(sluiceRuns), streamsPerS, jsonArray(streamsRuns), sluicePerS / streamsPerS,
        Medians.of(embeddedRuns), jsonArray(embeddedRuns));
    // On a shared machine wall-clock rates say as much about the neighbours as about either side:
    // CPU seconds (this process and the broker) per event are steadier. Kafka Streams' include its start.
    out.printf(Locale.ROOT, "CPU (process + broker) per measured run: Sluice on Kafka %.2f s, Kafka Streams %.2f s for %,d events; per CPU second %,.0f against %,.0f%n",
        sluiceCpuS / settings.runs(), streamsCpuS / settings.runs(), events, events * settings.runs() / sluiceCpuS, events * settings.runs() / streamsCpuS);
    StringBuilder scale = new StringBuilder();
    for (int n = 1; n <= scaleOut.size(); n++) {
      scale.append(String.format(Locale.ROOT, ",\"instances_%d_events_per_s\":%.0f", n, scaleOut.get(n - 1)));
    }
    out.printf(Locale.ROOT, "{\"bench\":\"kafka\",\"sluice_events_per_s\":%.0f,\"kafka_streams_events_per_s\":%.0f,\"ratio\":%.2f,\"events\":%d,"
            + "\"sluice_e2e_p99_ms\":%.1f,\"kafka_streams_e2e_p99_ms\":%.1f,\"embedded_events_per_s\":%.0f,\"cpu_ratio\":%.2f,"
            + "\"runs\":%d,\"sluice_runs_events_per_s\":%s,\"kafka_streams_runs_events_per_s\":%s%s}%n",
        sluicePerS, streamsPerS, sluicePerS / streamsPerS, events,
        sluiceE2e.latency().quantileMs(0.99), streamsE2e.latency().quantileMs(0.99), Medians.of(embeddedRuns), streamsCpuS / sluiceCpuS,
        settings.runs(), jsonArray(sluiceRuns), jsonArray(streamsRuns), scale);
  }
}
