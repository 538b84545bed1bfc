package dev.sluice.bench;

import dev.sluice.engine.Engine;
import dev.sluice.engine.ViewState;
import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.RowKey;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code sluice bench views}: a WHERE + GROUP BY sum over N events (100-byte values, 100k keys):
 * time to backfill a new view over them (the view's thread, with a read-ahead thread reading and
 * scanning the log while the backlog lasts: events/s is of the backfill's wall time, and the CPU
 * of both threads is reported apart), point lookups in process and over HTTP, and
 * append-acknowledged → visible-in-view latency while a writer appends at half the measured
 * maintenance rate. A machine probe ({@link MachineProbe}) runs first, so runs on different days
 * can be compared.
 */
public final class ViewsBench {
  public static final int KEYS = 100_000;
  public static final String VIEW = "FROM events |> WHERE status = 'paid' |> AGGREGATE sum(amount) AS total, count(*) AS n GROUP BY k";

  public record Settings(long events, int lookups, Duration e2eDuration) {}

  private ViewsBench() {}

  /** What one view's backfill of {@code events} took. */
  record Backfill(long events, double seconds, double eventsPerCpuS, int threads) {
    double eventsPerS() {
      return events / seconds;
    }

    /** The backfill's time scaled to 10 M events. */
    double secondsPer10m() {
      return seconds * 10_000_000.0 / events;
    }
  }

  /** Creates the view {@code name} ({@link #VIEW}), waits until it is live and prints what its backfill took. */
  static Backfill backfill(Engine engine, String name, long events, PrintStream out, String which) throws InterruptedException {
    String thread = "sluice-view-" + name + "-v";
    long processCpuStart = processCpuNanos();
    long start = System.nanoTime();
    engine.create(name, VIEW, false, false);
    long viewCpu = 0;
    long viewAllocated = 0;
    int viewThreads = 0;
    while (engine.view(name).orElseThrow().state() == ViewState.BUILDING) {
      Thread.sleep(100);
      viewCpu = Math.max(viewCpu, threadsCpuNanos(thread));
      viewAllocated = Math.max(viewAllocated, threadsAllocatedBytes(thread));
      viewThreads = Math.max(viewThreads, threadCount(thread));
    }
    double backfillS = (System.nanoTime() - start) / 1e9;
    // Read again right after the build ends: the thread has gone idle, so little is added.
    viewCpu = Math.max(viewCpu, threadsCpuNanos(thread));
    viewAllocated = Math.max(viewAllocated, threadsAllocatedBytes(thread));
    long readAheadCpu = threadsCpuNanos(thread) - threadCpuNanos(thread, true);
    double processCpuS = (processCpuNanos() - processCpuStart) / 1e9;
    double eventsPerS = events / backfillS;
    double eventsPerCpuS = events / (viewCpu / 1e9);
    String plural = viewThreads == 1 ? "" : "s";
    out.printf(Locale.ROOT, "backfill (%s): %,d events in %.2f s = %,.0f events/s of wall time on %d thread%s (%s); %,d rows%n",
        which, events, backfillS, eventsPerS, viewThreads, plural,
        viewThreads == 1 ? "the view's" : "the view's, and its read-ahead reading and scanning the log", engine.view(name).orElseThrow().rows());
    out.printf(Locale.ROOT, "  its CPU: the view's thread%s %.2f s%s = %,.0f events per CPU second of the view's thread%s (what it takes of"
        + " the cores when they are its own); the whole process %.2f s (with RocksDB's flushes and compactions, the collector and the compiler);"
        + " the view's thread%s allocated %,d bytes per event%n",
        plural, viewCpu / 1e9,
        viewThreads == 1 ? "" : String.format(Locale.ROOT, " (%.2f s of it the read-ahead's)", readAheadCpu / 1e9),
        eventsPerCpuS, plural, processCpuS, plural, viewAllocated / events);
    return new Backfill(events, backfillS, eventsPerCpuS, viewThreads);
  }

  /** What {@link #withoutReadAhead} runs. */
  interface Build {
    Backfill run() throws InterruptedException;
  }

  /**
   * Runs {@code build} with {@code sluice.view.read-ahead-records} at -1, which a view's task reads
   * when it is made: that view's backfill stays on its own thread. The setting is restored after.
   */
  static Backfill withoutReadAhead(Build build) throws InterruptedException {
    String key = "sluice.view.read-ahead-records";
    String before = System.getProperty(key);
    System.setProperty(key, "-1");
    try {
      return build.run();
    } finally {
      if (before == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, before);
      }
    }
  }

  /** A 100-byte value for key {@code k}. */
  static byte[] value(int k, long n) {
    String head = "{\"k\":\"key-" + k + "\",\"status\":\"" + ((n / 7) % 4 == 0 ? "open" : "paid") + "\",\"amount\":" + (n % 1000) + ",\"pad\":\"";
    StringBuilder s = new StringBuilder(head);
    while (s.length() < SluiceAppendBench.VALUE_BYTES - 2) {
      s.append('x');
    }
    return s.append("\"}").toString().getBytes(StandardCharsets.US_ASCII);
  }

  public static void run(Settings settings, PrintStream out) throws Exception {
    MachineProbe.Result probe = MachineProbe.run();
    out.println(probe.describe());
    out.printf(Locale.ROOT, "bench views: %d cores, Java %s; %,d events of %d bytes over %,d keys; view: %s%n",
        Runtime.getRuntime().availableProcessors(), Runtime.version(), settings.events(), SluiceAppendBench.VALUE_BYTES, KEYS, VIEW);
    Path dir = Files.createTempDirectory("sluice-bench-views");
    try (EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults().withFsync(EmbeddedLog.Fsync.INTERVAL))) {
      log.create(new StreamSpec("events", StreamKind.STREAM, "k", 4), false);
      long loadStart = System.nanoTime();
      load(log, settings.events(), out);
      out.printf(Locale.ROOT, "loaded %,d events in %.1f s%n", settings.events(), (System.nanoTime() - loadStart) / 1e9);

      try (Engine engine = Engine.open(log, dir.resolve("views"))) {
        Backfill first = backfill(engine, "totals", settings.events(), out,
            "the first view of this process: its code is compiled while it runs");
        // A second view of the same definition over the same history, as a server that has run
        // views before builds a new one: the code it runs is compiled by then.
        Backfill again = backfill(engine, "totals_again", settings.events(), out,
            "a second view of the same definition: its code compiled by the first");
        engine.drop("totals_again", false);
        // The same once more on the view's thread alone, the read-ahead off while its task is
        // made: maintenance on one core, the read, the scan, the updates and the commits all on it.
        Backfill oneCore = withoutReadAhead(() -> backfill(engine, "totals_one", settings.events(), out,
            "a third view of the same definition, on the view's thread alone: one core"));
        engine.drop("totals_one", false);

        // The first tenth of the lookups is reported apart, as over HTTP: right after the backfill
        // the rows' blocks are not yet in RocksDB's block cache, and each first read of one goes
        // to the file.
        Histogram cold = new Histogram();
        Histogram local = new Histogram();
        Random random = new Random(7);
        for (int i = 0; i < settings.lookups(); i++) {
          RowKey key = RowKey.of("key-" + random.nextInt(KEYS));
          long t = System.nanoTime();
          engine.row("totals", key, null, Duration.ZERO).orElseThrow();
          (i < settings.lookups() / 10 ? cold : local).recordNanos(System.nanoTime() - t);
        }
        out.printf(Locale.ROOT, "lookup in process: %,d random keys, p50 %.1f µs  p99 %.1f µs (the first %,d, block cache filling: p50 %.1f µs  p99 %.1f µs)%n",
            local.count(), local.quantileMs(0.5) * 1000, local.quantileMs(0.99) * 1000,
            cold.count(), cold.quantileMs(0.5) * 1000, cold.quantileMs(0.99) * 1000);

        Histogram http = new Histogram();
        SluiceServer server = SluiceServer.start(log, engine, Config.defaults().withPort(0));
        try (PlainHttpClient client = new PlainHttpClient("127.0.0.1", server.port())) {
          String base = "/views/totals/rows/key-";
          int httpLookups = Math.min(settings.lookups(), 20_000);
          for (int i = 0; i < httpLookups; i++) {
            String path = base + random.nextInt(KEYS);
            long t = System.nanoTime();
            PlainHttpClient.Response response = client.get(path);
            if (response.status() != 200) {
              throw new IllegalStateException("lookup answered " + response.status() + ": " + new String(response.body(), StandardCharsets.UTF_8));
            }
            if (i >= httpLookups / 10) {
              http.recordNanos(System.nanoTime() - t);
            }
          }
          out.printf(Locale.ROOT, "lookup over HTTP (one blocking client on a kept-alive socket): p50 %.3f ms  p99 %.3f ms%n", http.quantileMs(0.5), http.quantileMs(0.99));
        } finally {
          server.stop();
        }

        Histogram e2e = endToEnd(log, engine, first.eventsPerS() / 2, settings.e2eDuration());
        out.printf(Locale.ROOT, "append acknowledged → visible in the view, writer at %,.0f events/s: p50 %.3f ms  p99 %.3f ms (%d probes)%n",
            first.eventsPerS() / 2, e2e.quantileMs(0.5), e2e.quantileMs(0.99), e2e.count());
        out.printf(Locale.ROOT, "{\"bench\":\"views\",\"events_per_s\":%.0f,\"backfill_10m_s\":%.2f,\"lookup_p99_us\":%.1f,\"http_lookup_p99_ms\":%.3f,\"e2e_p99_ms\":%.3f,\"events\":%d,\"events_per_cpu_s\":%.0f,\"backfill_threads\":%d,"
            + "\"compiled_events_per_s\":%.0f,\"compiled_backfill_10m_s\":%.2f,\"compiled_events_per_cpu_s\":%.0f,"
            + "\"one_core_events_per_s\":%.0f,\"one_core_events_per_cpu_s\":%.0f,\"machine_probe_ms\":%.0f}%n",
            first.eventsPerS(), first.secondsPer10m(), local.quantileMs(0.99) * 1000, http.quantileMs(0.99), e2e.quantileMs(0.99), settings.events(),
            first.eventsPerCpuS(), first.threads(), again.eventsPerS(), again.secondsPer10m(), again.eventsPerCpuS(),
            oneCore.eventsPerS(), oneCore.eventsPerCpuS(), probe.millis());
      }
    } finally {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** CPU time of the live thread whose name starts with {@code prefix}; 0 when there is none. */
  public static long threadCpuNanos(String prefix) {
    return threadCpuNanos(prefix, false);
  }

  /** {@link #threadCpuNanos(String)}; with {@code main}, not of a view's read-ahead thread. */
  private static long threadCpuNanos(String prefix, boolean main) {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix) && !(main && t.getName().endsWith("-read-ahead"))) {
        return Math.max(0, threads.getThreadCpuTime(t.threadId()));
      }
    }
    return 0;
  }

  /** CPU time of the live threads whose names start with {@code prefix}, summed. */
  public static long threadsCpuNanos(String prefix) {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long total = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        total += Math.max(0, threads.getThreadCpuTime(t.threadId()));
      }
    }
    return total;
  }

  private static int threadCount(String prefix) {
    int n = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        n++;
      }
    }
    return n;
  }

  /** Bytes allocated by the live threads whose names start with {@code prefix}, summed. */
  private static long threadsAllocatedBytes(String prefix) {
    if (!(java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)) {
      return 0;
    }
    long total = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix)) {
        total += Math.max(0, threads.getThreadAllocatedBytes(t.threadId()));
      }
    }
    return total;
  }

  public static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : 0;
  }

  /** Appends the benchmark's events to the stream {@code events}, 1000 a request, 8 requests in flight. */
  public static void load(dev.sluice.log.EventLog log, long events, PrintStream out) throws Exception {
    int batch = 1000;
    long n = 0;
    long lastReport = System.nanoTime();
    List<java.util.concurrent.CompletableFuture<AppendResult>> inFlight = new ArrayList<>();
    while (n < events) {
      List<Event> list = new ArrayList<>(batch);
      for (int i = 0; i < batch && n < events; i++, n++) {
        int k = (int) (n % KEYS);
        list.add(Event.of("key-" + k, value(k, n)));
      }
      inFlight.add(log.append("events", list));
      if (inFlight.size() >= 8) {
        inFlight.remove(0).get(60, TimeUnit.SECONDS);
      }
      if (System.nanoTime() - lastReport > 2_000_000_000L) {
        out.printf(Locale.ROOT, "  loading: %,d events%n", n);
        lastReport = System.nanoTime();
      }
    }
    for (var f : inFlight) {
      f.get(60, TimeUnit.SECONDS);
    }
  }

  /** A paced writer appends batches of 100; after each acknowledgement, measure until the view includes it. */
  private static Histogram endToEnd(EmbeddedLog log, Engine engine, double ratePerS, Duration duration) throws Exception {
    Histogram latency = new Histogram();
    AtomicBoolean stop = new AtomicBoolean(false);
    int batch = 100;
    long intervalNanos = (long) (1e9 * batch / Math.max(ratePerS, batch));
    long end = System.nanoTime() + duration.toNanos();
    long next = System.nanoTime();
    long n = 0;
    Random random = new Random(11);
    while (System.nanoTime() < end && !stop.get()) {
      long now = System.nanoTime();
      if (now < next) {
        java.util.concurrent.locks.LockSupport.parkNanos(next - now);
      }
      next += intervalNanos;
      List<Event> list = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++, n++) {
        int k = random.nextInt(KEYS);
        list.add(Event.of("key-" + k, value(k, n * 4 + 1)));
      }
      Token token = log.append("events", list).get(60, TimeUnit.SECONDS).token();
      long acknowledged = System.nanoTime();
      engine.scan("totals", null, null, null, 1, token, Duration.ofSeconds(30));
      latency.recordNanos(System.nanoTime() - acknowledged);
    }
    return latency;
  }
}
