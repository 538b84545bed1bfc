package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Indexes under kill -9: a child JVM ({@link IndexCrashWorker}) maintains an index and a search
 * index over a join while it appends product changes, and is SIGKILLed at a random moment — while
 * a new version of the search index backfills the whole log, or while both follow live appends,
 * often between a RocksDB commit and the Lucene commit after it. After every round this test opens
 * the engine itself, waits until both include the log's end, and checks each against the batch
 * recomputation of its pipeline: lookups, documents and their rows, term matches and facet counts.
 */
class IndexCrashTest {
  private static final int ROUNDS = 8;
  private static final long SEED = Long.getLong("sluice.indexcrash.seed", 20_261_202L);
  private static final long ROUND_SECONDS_MAX = 60;
  private static final Duration CATCH_UP_MAX = Duration.ofSeconds(60);
  private static final int PRELOAD_EVENTS = 4_000;

  @TempDir Path tmp;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void indexesEqualTheirBatchRecomputationAfterEverySigkill() throws Exception {
    System.out.println("IndexCrashTest seed " + SEED + " (rerun with -Dsluice.indexcrash.seed=" + SEED + ")");
    Random random = new Random(SEED);
    Path data = tmp.resolve("data");
    int killedWhileBuilding = 0;
    int backfills = 0;
    long acks = 0;
    for (int round = 0; round < ROUNDS; round++) {
      boolean backfill = round % 3 == 1;
      int killAt = backfill ? 1 + random.nextInt(2) : 1 + random.nextInt(150);
      String context = "seed " + SEED + ", round " + round + (backfill ? " (backfill, kill at progress line " : " (kill after acks ")
          + killAt + ")";
      Path stderr = tmp.resolve("child-" + round + ".err");
      Process child = ChildJvm.start(stderr, IndexCrashWorker.class, data.toString(), Integer.toString(round),
          Long.toString(random.nextLong()), Integer.toString(backfill ? PRELOAD_EVENTS : 0));
      AtomicBoolean killed = new AtomicBoolean();
      var watchdog = timer.schedule(() -> child.toHandle().destroyForcibly(), ROUND_SECONDS_MAX, TimeUnit.SECONDS);
      int roundAcks = 0;
      int progress = 0;
      boolean built = false;
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          String word = line.split(" ")[0];
          switch (word) {
            case "ack" -> roundAcks++;
            case "progress" -> progress++;
            case "built" -> built = true;
            default -> { }
          }
          boolean due = backfill ? progress >= killAt || built && roundAcks >= 5 : roundAcks >= killAt;
          if (due && !killed.getAndSet(true)) {
            if (backfill && !built) {
              killedWhileBuilding++;
            }
            child.toHandle().destroyForcibly();
          }
        }
      }
      int exit = child.waitFor();
      watchdog.cancel(false);
      assertThat(killed).as("%s: the child was killed, not ended by itself: %s", context, Files.readString(stderr)).isTrue();
      assertThat(exit).as("exit status of a SIGKILLed child").isEqualTo(128 + 9);
      backfills += backfill ? 1 : 0;
      acks += roundAcks;
      check(data, context);
    }
    System.out.println("IndexCrashTest: " + acks + " acknowledged appends; " + killedWhileBuilding + " of " + backfills
        + " backfills killed while building");
    assertThat(killedWhileBuilding).as("backfills killed while building").isGreaterThanOrEqualTo(backfills / 2);
  }

  private static void check(Path data, String context) throws InterruptedException, IOException {
    // What sluice verify does, on the folder as the kill left it: Lucene may lag the rows, by design,
    // and that must not read as damage.
    try (EmbeddedLog log = EmbeddedLog.open(data.resolve("log"), EmbeddedLog.Options.defaults())) {
      ViewAudit.Result audit = ViewAudit.run(log, data.resolve("views"));
      assertThat(audit.findings()).as("%s: verify's findings", context).isEmpty();
      assertThat(audit.checked()).extracting(ViewAudit.Checked::kind).as("%s: what verify recomputed", context)
          .contains("index", "search index");
    }
    try (EmbeddedLog log = EmbeddedLog.open(data.resolve("log"), EmbeddedLog.Options.defaults());
        Engine engine = Engine.open(log, data.resolve("views"))) {
      Token end = Recomputation.endOf(log);
      long deadline = System.nanoTime() + CATCH_UP_MAX.toNanos();
      while (engine.view(IndexCrashWorker.FINDER).orElseThrow().replacing() != null) {
        assertThat(System.nanoTime()).as("%s: the replacement catches up", context).isLessThan(deadline);
        Thread.sleep(10);
      }
      String pipeline = IndexCrashWorker.PIPELINE;
      Map<String, String> rows = Recomputation.batch(pipeline, log, Recomputation.history(log));
      assertThat(IndexRecomputation.actualLookups(engine, IndexCrashWorker.BY_CATEGORY, Set.of("a", "b", "c", "d", "null"), 50,
          end, CATCH_UP_MAX))
          .as("%s: index lookups", context)
          .isEqualTo(IndexRecomputation.expectedLookups(pipeline, "category", log));
      assertThat(IndexRecomputation.documents(engine, IndexCrashWorker.FINDER, end, CATCH_UP_MAX))
          .as("%s: search documents", context)
          .isEqualTo(rows);
      for (String word : IndexCrashWorker.WORDS) {
        assertThat(IndexRecomputation.matches(engine, IndexCrashWorker.FINDER, "title:" + word))
            .as("%s: title:%s", context, word)
            .isEqualTo(IndexRecomputation.expectedMatches(rows, "title", word));
      }
      assertThat(IndexRecomputation.facetCounts(engine, IndexCrashWorker.FINDER, "category"))
          .as("%s: facet counts", context)
          .isEqualTo(IndexRecomputation.expectedFacetCounts(rows, "category"));
      ViewStatus finder = engine.view(IndexCrashWorker.FINDER).orElseThrow();
      assertThat(finder.rows()).as("%s: the search index counts its documents", context).isEqualTo(rows.size());
    }
  }
}
