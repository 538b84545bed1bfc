package dev.sluice.bench;

import dev.sluice.engine.Engine;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code sluice bench observe}: append acknowledged → change delivered to subscribers. A server
 * runs in process with a view keyed by probe; N subscribers (1, then many) hold {@code GET
 * /views/{v}/changes} open over loopback sockets, each on a virtual thread. A paced writer appends
 * one event per probe; each subscriber notes when the probe's change reaches it. Latency is
 * delivery time minus the append's acknowledgement, over every (subscriber, probe) pair.
 */
public final class ObserveBench {
  private static final String VIEW = "FROM probes |> AGGREGATE count(*) AS n, max(sent) AS sent GROUP BY probe";

  /** Probes per second, per scenario; delivering each to every subscriber bounds the many-subscriber rate. */
  public record Settings(Duration warmup, Duration measure, int subscribers, int probesPerS) {}

  private ObserveBench() {}

  private record Scenario(int subscribers, Histogram latency, long deliveries, long missing, long probes) {}

  public static void run(Settings settings, PrintStream out) throws Exception {
    out.printf(Locale.ROOT, "bench observe: %d cores, Java %s; view: %s%n", Runtime.getRuntime().availableProcessors(), Runtime.version(), VIEW);
    out.printf(Locale.ROOT, "each scenario: %d s warm-up, %d s measured, %d probes/s (one appended event each), subscribers over loopback HTTP%n",
        settings.warmup().toSeconds(), settings.measure().toSeconds(), settings.probesPerS());
    Path dir = Files.createTempDirectory("sluice-bench-observe");
    try (EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
        Engine engine = Engine.open(log, dir.resolve("views"))) {
      SluiceServer server = SluiceServer.start(log, engine, Config.defaults().withPort(0));
      try {
        log.create(new StreamSpec("probes", StreamKind.STREAM, "probe", 1), false);
        Scenario one = scenario(log, engine, server.port(), 1, settings, out);
        Scenario many = scenario(log, engine, server.port(), settings.subscribers(), settings, out);
        // The _1000 members hold the many-subscriber scenario, whose size is "subscribers" (1000 unless --subscribers).
        out.printf(Locale.ROOT, "{\"bench\":\"observe\",\"p50_ms_1\":%.3f,\"p99_ms_1\":%.3f,\"p50_ms_1000\":%.3f,\"p99_ms_1000\":%.3f,"
                + "\"subscribers\":%d,\"probes_per_s\":%d,\"deliveries\":%d,\"missing\":%d}%n",
            one.latency().quantileMs(0.5), one.latency().quantileMs(0.99), many.latency().quantileMs(0.5), many.latency().quantileMs(0.99),
            many.subscribers(), settings.probesPerS(), one.deliveries() + many.deliveries(), one.missing() + many.missing());
      } finally {
        server.stop();
      }
    } finally {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static Scenario scenario(EmbeddedLog log, Engine engine, int port, int subscribers, Settings settings, PrintStream out)
      throws Exception {
    String view = "probes_" + subscribers;
    engine.create(view, VIEW, false, false);
    long warmupProbes = settings.warmup().toSeconds() * settings.probesPerS();
    int probes = (int) (warmupProbes + settings.measure().toSeconds() * settings.probesPerS());
    AtomicLongArray acknowledged = new AtomicLongArray(probes);
    long[][] delivered = new long[subscribers][probes];
    CountDownLatch ready = new CountDownLatch(subscribers);
    List<Socket> sockets = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int s = 0; s < subscribers; s++) {
        Socket socket = new Socket("127.0.0.1", port);
        sockets.add(socket);
        long[] mine = delivered[s];
        threads.submit(() -> subscribe(socket, view, mine, ready));
      }
      if (!ready.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException(ready.getCount() + " of " + subscribers + " subscribers did not start");
      }
      long intervalNanos = TimeUnit.SECONDS.toNanos(1) / settings.probesPerS();
      long next = System.nanoTime();
      for (int i = 0; i < probes; i++) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        next += intervalNanos;
        byte[] value = ("{\"probe\":\"p" + i + "\",\"sent\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        int probe = i;
        // Noted where the acknowledgement completes, not when this thread next runs.
        log.append("probes", List.of(Event.of("p" + i, value))).thenRun(() -> acknowledged.set(probe, System.nanoTime()))
            .get(30, TimeUnit.SECONDS);
      }
      // Every delivery gets a few seconds to arrive; what has not by then counts as missing.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && Arrays.stream(delivered).anyMatch(d -> d[probes - 1] == 0)) {
        Thread.sleep(20);
      }
      for (Socket socket : sockets) {
        socket.close();
      }
    }
    engine.drop(view, false);
    Histogram latency = new Histogram();
    long deliveries = 0;
    long missing = 0;
    long early = 0;
    for (long[] mine : delivered) {
      for (int i = (int) warmupProbes; i < probes; i++) {
        if (mine[i] == 0) {
          missing++;
          continue;
        }
        long nanos = mine[i] - acknowledged.get(i);
        if (nanos < 0) {
          early++; // delivered before the writer saw its acknowledgement: counted as 0
        }
        latency.recordNanos(Math.max(0, nanos));
        deliveries++;
      }
    }
    out.printf(Locale.ROOT, "%,d subscriber(s): append acknowledged → change delivered p50 %.3f ms  p99 %.3f ms  max %.3f ms"
            + " (%,d deliveries of %,d probes, %d missing, %d before the acknowledgement)%n",
        subscribers, latency.quantileMs(0.5), latency.quantileMs(0.99), latency.quantileMs(1.0), deliveries,
        probes - warmupProbes, missing, early);
    return new Scenario(subscribers, latency, deliveries, missing, probes);
  }

  /** Reads the view's changes over a raw HTTP/1.0 connection (no chunking) and notes each probe's arrival. */
  private static Void subscribe(Socket socket, String view, long[] delivered, CountDownLatch ready) throws IOException {
    socket.setTcpNoDelay(true);
    socket.getOutputStream().write(("GET /views/" + view + "/changes HTTP/1.0\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    String status = in.readLine();
    if (status == null || !status.contains(" 200 ")) {
      throw new IllegalStateException("subscribing answered " + status);
    }
    try {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("event: snapshot_end")) {
          ready.countDown();
        } else if (line.startsWith("data: {\"position\"")) {
          int at = line.indexOf("\"key\":\"p");
          if (at > 0) {
            int probe = Integer.parseInt(line, at + 8, line.indexOf('"', at + 8), 10);
            if (delivered[probe] == 0) {
              delivered[probe] = System.nanoTime();
            }
          }
        }
      }
    } catch (IOException closed) {
      // the scenario is over
    }
    return null;
  }
}
