package dev.sluice.bench.kafka;

import dev.sluice.bench.Histogram;
import dev.sluice.log.Event;
import dev.sluice.log.EventLog;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Token;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end latency on the Kafka backend, measured the same way for Sluice and for Kafka Streams:
 * one writer appends batches of 100 events through Sluice's Kafka log (a transaction each) at a
 * paced rate; after each acknowledgement the clock runs until the aggregation shows the batch. Each
 * batch carries one probe event per partition (keys {@code probe-…} that land on distinct
 * partitions), so "shows the batch" means: every partition's probe counted.
 */
final class EndToEnd {
  /** What the side under test is asked after each acknowledged batch. */
  interface Visibility {
    /** Blocks until the batch {@code token} names (the {@code n}th, from 1) is visible. */
    void await(Token token, long n) throws Exception;
  }

  record Result(Histogram latency, double eventsPerS) {}

  static final int BATCH = 100;

  private EndToEnd() {}

  /** One key per partition of a {@code partitions}-partition stream: {@code probe-…}. */
  static List<String> probeKeys(int partitions) {
    String[] keys = new String[partitions];
    int found = 0;
    for (int i = 0; found < partitions; i++) {
      String key = "probe-" + i;
      int p = Partitioner.partition(key, partitions);
      if (keys[p] == null) {
        keys[p] = key;
        found++;
      }
    }
    return List.of(keys);
  }

  static Result run(EventLog log, String stream, int partitions, double ratePerS, long durationMs, int keys, Visibility visibility)
      throws Exception {
    List<String> probes = probeKeys(partitions);
    Histogram latency = new Histogram();
    long intervalNanos = (long) (1e9 * BATCH / Math.max(ratePerS, BATCH));
    long start = System.nanoTime();
    long end = start + TimeUnit.MILLISECONDS.toNanos(durationMs);
    long next = start;
    long n = 0;
    Random random = new Random(13);
    while (System.nanoTime() < end) {
      long now = System.nanoTime();
      if (now < next) {
        LockSupport.parkNanos(next - now);
      }
      next += intervalNanos;
      List<Event> batch = new ArrayList<>(BATCH);
      for (String probe : probes) {
        batch.add(Event.of(probe, value(probe, 1)));
      }
      while (batch.size() < BATCH) {
        String key = "key-" + random.nextInt(keys);
        batch.add(Event.of(key, value(key, random.nextInt(1000))));
      }
      Token token = log.append(stream, batch).get(60, TimeUnit.SECONDS).token();
      long acknowledged = System.nanoTime();
      visibility.await(token, ++n);
      latency.recordNanos(System.nanoTime() - acknowledged);
    }
    return new Result(latency, n * BATCH / ((System.nanoTime() - start) / 1e9));
  }

  /** A paid order of {@code amount} for {@code key}, padded to 100 bytes like the benchmark's events. */
  private static byte[] value(String key, int amount) {
    StringBuilder s = new StringBuilder("{\"k\":\"" + key + "\",\"status\":\"paid\",\"amount\":" + amount + ",\"pad\":\"");
    while (s.length() < 98) {
      s.append('x');
    }
    return s.append("\"}").toString().getBytes(StandardCharsets.US_ASCII);
  }
}
