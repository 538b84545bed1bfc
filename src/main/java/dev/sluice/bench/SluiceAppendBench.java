package dev.sluice.bench;

import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * Durable appends to the embedded log, in process: W writers each append a batch of B events and
 * wait for its acknowledgement before the next. Every acknowledged event is counted; every event's
 * latency is the time from its batch's submission to its acknowledgement.
 */
public final class SluiceAppendBench {
  /** Bytes of each event's value, as the issue asks. */
  public static final int VALUE_BYTES = 100;

  private SluiceAppendBench() {}

  /** The longest a scenario that warms up until its throughput steadies ({@link #measure}) warms up. */
  static final Duration STEADY_WARMUP_MAX = Duration.ofSeconds(30);
  /** A second of warm-up this much faster than the fastest before it counts as still rising. */
  private static final double RISING = 1.05;

  /** One scenario's figures; {@code warmupS}: how long it warmed up before the measured window. */
  public record Result(String scenario, int writers, int batch, double eventsPerS, double mbPerS, double p50Ms, double p99Ms, double p999Ms, long events,
      double warmupS) {
    public String line() {
      return String.format(Locale.ROOT,
          "%-34s writers=%-3d batch=%-5d %,12.0f events/s %8.1f MB/s  ack p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  (warm-up %.0f s)",
          scenario, writers, batch, eventsPerS, mbPerS, p50Ms, p99Ms, p999Ms, warmupS);
    }
  }

  /** How long a scenario warmed up and was measured, in seconds. */
  record Timing(double warmupS, double measuredS) {}

  /**
   * What a run saw over its measured window beside its figures: the acknowledgements' p99 second
   * by second (a tail spread over the window, or one bad second), and the host's CPU over it.
   */
  public static final class Window {
    private final Histogram[] seconds;
    private volatile long begin;
    private HostUsage atBegin;
    private HostUsage.Delta host;
    private List<Double> p99BySecond;

    public Window(Duration duration) {
      seconds = new Histogram[(int) Math.max(1, (duration.toMillis() + 999) / 1000)];
      for (int i = 0; i < seconds.length; i++) {
        seconds[i] = new Histogram();
      }
      begin = System.nanoTime();
      HostUsage.sample(); // loads what sampling needs now, not at the measured window's start
    }

    /** The measured window starts: what the warm-up recorded is forgotten. */
    void begin() {
      atBegin = HostUsage.sample();
      begin = System.nanoTime();
      for (Histogram h : seconds) {
        h.reset();
      }
    }

    /** The measured window ends: its figures are kept as they are now. */
    void end() {
      host = HostUsage.sample().since(atBegin);
      List<Double> out = new ArrayList<>();
      for (Histogram h : seconds) {
        out.add(h.quantileMs(0.99));
      }
      p99BySecond = List.copyOf(out);
    }

    /**
     * A request acknowledged at {@code ackedNanos} after {@code tookNanos}, counted in its second
     * (the warm-up's too, so that the window runs the code the warm-up ran; {@link #begin} forgets
     * them).
     */
    void record(long ackedNanos, long tookNanos) {
      int second = (int) Math.min(seconds.length - 1, Math.max(0, (ackedNanos - begin) / 1_000_000_000L));
      seconds[second].recordNanos(tookNanos);
    }

    /** The p99 of each second of the measured window, once it has ended. */
    public List<Double> p99BySecondMs() {
      return p99BySecond;
    }

    public HostUsage.Delta host() {
      return host;
    }

    public String describe() {
      StringBuilder s = new StringBuilder("   ack p99 by second of the measured window (ms):");
      for (double p99 : p99BySecondMs()) {
        s.append(String.format(Locale.ROOT, " %.2f", p99));
      }
      return s.append("\n   host over the measured window: ").append(host.describe()).toString();
    }
  }

  /** A 100-byte JSON value: {"n":…,"pad":"xxx…"} padded to exactly {@link #VALUE_BYTES}. */
  public static byte[] value(long n) {
    String head = "{\"n\":" + n + ",\"pad\":\"";
    StringBuilder s = new StringBuilder(head);
    while (s.length() < VALUE_BYTES - 2) {
      s.append('x');
    }
    return s.append("\"}").toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /**
   * Runs one scenario for {@code duration} after {@code warmup}. With {@code ratePerS} > 0 the
   * writers together submit at most that many events per second (open-loop pacing per writer, the
   * writers' turns spread evenly over the interval), to measure latency below saturation.
   */
  public static Result run(
      EventLog log, String scenario, int writers, int batch, Duration warmup, Duration duration, double ratePerS) throws InterruptedException {
    return run(log, scenario, writers, batch, warmup, duration, ratePerS, null);
  }

  /** As {@link #run(EventLog, String, int, int, Duration, Duration, double)}, noting the measured window in {@code window} (if not null). */
  public static Result run(EventLog log, String scenario, int writers, int batch, Duration warmup, Duration duration, double ratePerS,
      Window window) throws InterruptedException {
    String stream = "bench_" + scenario.replaceAll("[^a-z0-9]", "_") + "_" + writers + "_" + batch + "_" + System.nanoTime();
    log.create(new StreamSpec(stream, StreamKind.STREAM, null, 4), false);
    Paced paced = paced(writers, batch, ratePerS, warmup, duration, w -> {
      List<Event> events = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        events.add(Event.of("key-" + w + "-" + i, value(i)));
      }
      return () -> log.append(stream, events).get(60, TimeUnit.SECONDS);
    }, window, "an append failed during the benchmark");
    double perS = paced.answered() / paced.timing().measuredS();
    Histogram latency = paced.latency();
    return new Result(scenario, writers, batch, perS, perS * VALUE_BYTES / 1e6,
        latency.quantileMs(0.50), latency.quantileMs(0.99), latency.quantileMs(0.999), paced.answered(), paced.timing().warmupS());
  }

  /** One request of a caller: sends it and waits for its answer. */
  interface Call {
    void call() throws Exception;
  }

  /** What {@link #paced} measured: the units answered in the window, their latencies, its timing. */
  record Paced(long answered, Histogram latency, Timing timing) {}

  /**
   * W callers, each making the call {@code calls} gives it over and over, each waiting for its
   * answer before its next call; a call carries {@code perCall} units (events), each timed from the
   * call's start to its answer. With {@code ratePerS} > 0 the callers together make at most that
   * many units a second (open-loop pacing per caller, their turns spread evenly over the interval),
   * to measure latency below saturation. A call that fails stops its caller and fails the run with
   * {@code failure}.
   */
  static Paced paced(int writers, int perCall, double ratePerS, Duration warmup, Duration duration, IntFunction<Call> calls, Window window,
      String failure) throws InterruptedException {
    // The callers count and record every answer, the warm-up's too, so that the measured window
    // runs exactly the code the warm-up ran: no branch first taken at its start (where the JIT
    // would recompile). The window's start forgets the warm-up's; its end takes a snapshot.
    LongAdder answered = new LongAdder();
    long[] answeredAt = new long[2];
    List<Histogram> histograms = new ArrayList<>();
    Histogram latency = new Histogram();
    AtomicBoolean stop = new AtomicBoolean(false);
    List<Thread> threads = new ArrayList<>();
    long intervalNanos = ratePerS > 0 ? (long) (1e9 * perCall * writers / ratePerS) : 0;
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int w = 0; w < writers; w++) {
      Call call = calls.apply(w);
      Histogram mine = new Histogram();
      histograms.add(mine);
      // Paced callers start a w-th of the interval apart, so that together they arrive steadily at
      // the rate, not all in the same instant once per interval.
      long phase = intervalNanos * w / writers;
      Thread t = new Thread(() -> {
        long next = System.nanoTime() + phase;
        try {
          while (!stop.get()) {
            if (intervalNanos > 0) {
              long now = System.nanoTime();
              if (now < next) {
                java.util.concurrent.locks.LockSupport.parkNanos(next - now);
              }
              next += intervalNanos;
            }
            long start = System.nanoTime();
            call.call();
            long acked = System.nanoTime();
            long took = acked - start;
            mine.recordNanos(took, perCall);
            answered.add(perCall);
            if (window != null) {
              window.record(acked, took);
            }
          }
        } catch (Exception e) {
          failures.add(e);
        }
      }, "bench-writer-" + w);
      threads.add(t);
      t.start();
    }
    Runnable begin = () -> {
      histograms.forEach(Histogram::reset);
      answeredAt[0] = answered.sum();
      if (window != null) {
        window.begin();
      }
    };
    Runnable end = () -> {
      answeredAt[1] = answered.sum();
      histograms.forEach(latency::add);
      if (window != null) {
        window.end();
      }
    };
    Timing timing = measure(warmup, duration, stop, threads, begin, end, null);
    if (!failures.isEmpty()) {
      throw new IllegalStateException(failure, failures.get(0));
    }
    return new Paced(answeredAt[1] - answeredAt[0], latency, timing);
  }

  /**
   * Lets the started {@code threads} warm up, runs {@code atBegin} and {@code atEnd} (if not null)
   * at the measured window's start and end, stops the threads and waits for them. The threads run
   * the same code throughout; the two hooks take what the window saw (reset, then snapshot). The warm-up lasts {@code warmup}; with {@code done} (the events acknowledged so far,
   * warm-up included) it goes on a second at a time while the throughput still rises — while the
   * JIT is still compiling a path the scenario is the first to run — and ends after two seconds in
   * a row that are not 5 % faster than the fastest before them (so one slow second on a noisy host
   * does not end it), or at {@link #STEADY_WARMUP_MAX}.
   */
  static Timing measure(Duration warmup, Duration duration, AtomicBoolean stop, List<Thread> threads,
      Runnable atBegin, Runnable atEnd, LongSupplier done) throws InterruptedException {
    return measure(warmup, duration, stop, threads, atBegin, atEnd, done, Duration.ofSeconds(1), STEADY_WARMUP_MAX);
  }

  /** As above, with the warm-up's throughput compared over slices of {@code slice}, for at most {@code warmupMax}. */
  static Timing measure(Duration warmup, Duration duration, AtomicBoolean stop, List<Thread> threads,
      Runnable atBegin, Runnable atEnd, LongSupplier done, Duration slice, Duration warmupMax) throws InterruptedException {
    long started = System.nanoTime();
    Thread.sleep(warmup.toMillis());
    if (done != null) {
      long deadline = started + warmupMax.toNanos();
      long last = done.getAsLong();
      long fastest = -1;
      int notFaster = 0;
      while (notFaster < 2 && System.nanoTime() + slice.toNanos() <= deadline) {
        Thread.sleep(slice.toMillis());
        long now = done.getAsLong();
        long events = now - last;
        last = now;
        if (fastest < 0 || events >= fastest * RISING) {
          notFaster = 0;
        } else {
          notFaster++;
        }
        fastest = Math.max(fastest, events);
      }
    }
    double warmedS = (System.nanoTime() - started) / 1e9;
    if (atBegin != null) {
      atBegin.run();
    }
    long begin = System.nanoTime();
    Thread.sleep(duration.toMillis());
    double measuredS = (System.nanoTime() - begin) / 1e9;
    if (atEnd != null) {
      atEnd.run();
    }
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    return new Timing(warmedS, measuredS);
  }

  /** The matrix the issue asks for: 1 and 16 writers × batches of 1, 100, 1000. */
  public static List<Result> matrix(EventLog log, String label, Duration warmup, Duration duration, Consumer<String> progress) throws InterruptedException {
    List<Result> results = new ArrayList<>();
    for (int writers : new int[] {1, 16}) {
      for (int batch : new int[] {1, 100, 1000}) {
        Result r = run(log, label, writers, batch, warmup, duration, 0);
        progress.accept(r.line());
        results.add(r);
      }
    }
    return results;
  }
}
