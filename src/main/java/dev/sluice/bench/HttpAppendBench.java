package dev.sluice.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durable appends over HTTP: W client threads, each on a kept-alive socket of its own, POST an
 * NDJSON body of B events (100-byte values) and wait for the answer before the next. Counts
 * acknowledged events; latency is per request, from send to answer.
 */
public final class HttpAppendBench {
  private HttpAppendBench() {}

  static byte[] ndjson(int writer, int batch) {
    StringBuilder body = new StringBuilder(batch * 140);
    for (int i = 0; i < batch; i++) {
      body.append("{\"_key\":\"key-").append(writer).append('-').append(i).append("\",")
          .append(new String(SluiceAppendBench.value(i), StandardCharsets.US_ASCII), 1, SluiceAppendBench.VALUE_BYTES)
          .append('\n');
    }
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static SluiceAppendBench.Result run(String baseUrl, String stream, int writers, int batch, Duration warmup, Duration duration)
      throws InterruptedException {
    URI uri = URI.create(baseUrl + "/streams/" + stream + "/events");
    // Every answer is counted and recorded, the warm-up's too; the measured window's start and end
    // take what it saw (SluiceAppendBench.measure).
    LongAdder acknowledged = new LongAdder();
    long[] acknowledgedAt = new long[2];
    Histogram recorded = new Histogram();
    Histogram latency = new Histogram();
    AtomicBoolean stop = new AtomicBoolean(false);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      byte[] body = ndjson(w, batch);
      Thread t = new Thread(() -> {
        // A blocking client on a kept-alive socket per writer, as load generators such as wrk
        // send: the client shares the two cores with the server, and a client library's own
        // threads and hand-offs would take their share of them.
        try (PlainHttpClient client = new PlainHttpClient(uri.getHost(), uri.getPort())) {
          while (!stop.get()) {
            long start = System.nanoTime();
            PlainHttpClient.Response response = client.post(uri.getRawPath(), "application/x-ndjson", body);
            long took = System.nanoTime() - start;
            if (response.status() != 200) {
              throw new IllegalStateException(
                  "append answered " + response.status() + ": " + new String(response.body(), StandardCharsets.UTF_8));
            }
            acknowledged.add(batch);
            recorded.recordNanos(took);
          }
        } catch (Exception e) {
          failures.add(e);
        }
      }, "bench-http-" + w);
      threads.add(t);
      t.start();
    }
    // The scenario is the first to run the server's HTTP path: it warms up until its throughput
    // stops rising, not for a fixed time.
    SluiceAppendBench.Timing timing = SluiceAppendBench.measure(warmup, duration, stop, threads,
        () -> {
          recorded.reset();
          acknowledgedAt[0] = acknowledged.sum();
        },
        () -> {
          acknowledgedAt[1] = acknowledged.sum();
          latency.add(recorded);
        },
        acknowledged::sum);
    if (!failures.isEmpty()) {
      throw new IllegalStateException("an HTTP append failed during the benchmark", failures.get(0));
    }
    long events = acknowledgedAt[1] - acknowledgedAt[0];
    double perS = events / timing.measuredS();
    return new SluiceAppendBench.Result("http ndjson fsync=always", writers, batch, perS, perS * SluiceAppendBench.VALUE_BYTES / 1e6,
        latency.quantileMs(0.5), latency.quantileMs(0.99), latency.quantileMs(0.999), events, timing.warmupS());
  }
}
