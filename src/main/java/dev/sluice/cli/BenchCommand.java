package dev.sluice.cli;

import dev.sluice.bench.HalfPeakBench;
import dev.sluice.bench.LogBench;
import dev.sluice.bench.ObserveBench;
import dev.sluice.bench.SearchBench;
import dev.sluice.bench.ViewsBench;
import dev.sluice.bench.kafka.KafkaViewsBench;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure Sluice on this machine. Prints each scenario as it finishes and ends with one JSON line.",
      "  log     durable appends: in process, over HTTP, and against a real Kafka broker",
      "  half-peak the half-peak scenario of 'log' against the same threads with the log taken out, in --pairs alternating pairs",
      "  views   a WHERE + GROUP BY view: backfill, lookups, append → visible latency",
      "  observe append acknowledged → change delivered to 1 and to --subscribers SSE subscribers",
      "  kafka   the views aggregation on the Kafka backend vs the same as a Kafka Streams application",
      "  search  a search index: docs/s vs raw Lucene, query p50/p99, append → searchable (NRT) delay"
    })
final class BenchCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "WHAT", description = "log | half-peak | views | observe | search | kafka")
  String what;

  @Option(names = "--seconds", defaultValue = "5", description = "measured seconds per scenario (default ${DEFAULT-VALUE})")
  int seconds;

  @Option(names = "--warmup", defaultValue = "2", description = "warm-up seconds per scenario (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--no-kafka", description = "skip the Kafka broker (for machines without Maven)")
  boolean noKafka;

  static final long EVENTS_DEFAULT = 10_000_000;
  /** Every event goes through a Kafka transaction and a broker on the same two cores: fewer by default. */
  static final long KAFKA_EVENTS_DEFAULT = 1_000_000;

  @Option(names = "--events", defaultValue = "10000000", description = "views: events in the history (default ${DEFAULT-VALUE}; kafka: 1000000)")
  long events;

  @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "kafka: an existing broker to use (default: start one from Maven Central's jars)")
  String kafka;

  @Option(names = "--instances", defaultValue = "0", description = "kafka: also divide the view over 1 … N instances of one cluster (scale-out; default: not measured)")
  int instances;

  @Option(names = "--runs", defaultValue = "3", description = "kafka: measured runs of each side after a warm-up run each; the medians are compared (default ${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--subscribers", defaultValue = "1000", description = "observe: subscribers of the second scenario (default ${DEFAULT-VALUE})")
  int subscribers;

  @Option(names = "--probes-per-s", defaultValue = "20", description = "observe: probes appended per second (default ${DEFAULT-VALUE})")
  int probesPerS;

  @Option(names = "--pairs", defaultValue = "6", description = "half-peak: pairs of runs (default ${DEFAULT-VALUE})")
  int pairs;

  @Option(names = "--rate", defaultValue = "0", paramLabel = "EVENTS_PER_S",
      description = "half-peak: the pace in events/s (default: half of the 16 × 100 peak, measured first)")
  double rate;

  @Option(names = "--docs", defaultValue = "1000000", description = "search: documents indexed (default ${DEFAULT-VALUE})")
  int docs;

  @Override
  public Integer call() throws Exception {
    if (seconds < 1 || warmup < 0) {
      throw new CliFailure("--seconds must be at least 1 and --warmup not negative", Main.USAGE);
    }
    switch (what) {
      case "log" -> LogBench.run(new LogBench.Settings(Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), !noKafka), main.out);
      case "half-peak" -> {
        if (pairs < 1 || pairs > 50) {
          throw new CliFailure("--pairs must be between 1 and 50", Main.USAGE);
        }
        if (!(rate >= 0) || Double.isInfinite(rate)) {
          throw new CliFailure("--rate must be a number of events per second, 0 or more (0: half of the measured peak)", Main.USAGE);
        }
        HalfPeakBench.run(new HalfPeakBench.Settings(Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), pairs, rate), main.out);
      }
      case "views" -> ViewsBench.run(new ViewsBench.Settings(events, 100_000, Duration.ofSeconds(seconds)), main.out);
      case "observe" -> {
        if (subscribers < 1 || probesPerS < 1) {
          throw new CliFailure("--subscribers and --probes-per-s must be at least 1", Main.USAGE);
        }
        ObserveBench.run(new ObserveBench.Settings(Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), subscribers, probesPerS), main.out);
      }
      case "kafka" -> {
        if (runs < 1 || runs > 9) {
          throw new CliFailure("--runs must be between 1 and 9", Main.USAGE);
        }
        if (instances < 0 || instances > 4) {
          throw new CliFailure("--instances must be between 0 and 4 (the benchmark's stream has 4 partitions)", Main.USAGE);
        }
        KafkaViewsBench.run(new KafkaViewsBench.Settings(events == EVENTS_DEFAULT ? KAFKA_EVENTS_DEFAULT : events, kafka,
            Duration.ofSeconds(seconds), instances, runs), main.out);
      }
      case "search" -> SearchBench.run(new SearchBench.Settings(docs), main.out);
      default -> throw new CliFailure("unknown benchmark '" + what + "'; this version has: log, half-peak, views, observe, search, kafka", Main.USAGE);
    }
    return 0;
  }
}
