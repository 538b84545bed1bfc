package dev.sluice.cli;

import dev.sluice.bench.LogBench;
import dev.sluice.bench.SearchBench;
import dev.sluice.bench.ViewsBench;
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
      "  views   a WHERE + GROUP BY view: backfill, lookups, append → visible latency",
      "  search  a search index: docs/s vs raw Lucene, query p50/p99, append → searchable (NRT) delay"
    })
final class BenchCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(index = "0", paramLabel = "WHAT", description = "log | views | search")
  String what;

  @Option(names = "--seconds", defaultValue = "5", description = "measured seconds per scenario (default ${DEFAULT-VALUE})")
  int seconds;

  @Option(names = "--warmup", defaultValue = "2", description = "warm-up seconds per scenario (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--no-kafka", description = "skip the Kafka broker (for machines without Maven)")
  boolean noKafka;

  @Option(names = "--events", defaultValue = "10000000", description = "views: events in the history (default ${DEFAULT-VALUE})")
  long events;

  @Option(names = "--docs", defaultValue = "1000000", description = "search: documents indexed (default ${DEFAULT-VALUE})")
  int docs;

  @Override
  public Integer call() throws Exception {
    if (seconds < 1 || warmup < 0) {
      throw new CliFailure("--seconds must be at least 1 and --warmup not negative", Main.USAGE);
    }
    switch (what) {
      case "log" -> LogBench.run(new LogBench.Settings(Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), !noKafka), main.out);
      case "views" -> ViewsBench.run(new ViewsBench.Settings(events, 100_000, Duration.ofSeconds(seconds)), main.out);
      case "search" -> SearchBench.run(new SearchBench.Settings(docs), main.out);
      default -> throw new CliFailure("unknown benchmark '" + what + "'; this version has: log, views, search", Main.USAGE);
    }
    return 0;
  }
}
