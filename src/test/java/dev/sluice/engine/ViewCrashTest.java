package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.EventLog;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.Input;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chapter's promise under kill -9: a child JVM ({@link ViewCrashWorker}) maintains views while it
 * appends orders and customer updates and deletes, and is SIGKILLed at a random moment — while it
 * opens, while it preloads, while a new version of a view backfills the whole log, while views follow
 * live appends — then started again on the same folder, round after round. After every round this
 * test opens the log and the engine itself, waits until each view includes the log's end, and checks
 * that each equals its pipeline evaluated as a batch over the whole log: nothing counted twice,
 * nothing missing; and the derived stream {@code paid_orders} holds each event it derives exactly once.
 * Row and event counters must agree too: each has processed every event of its sources exactly once;
 * and each view's changelog, folded from its first change, equals its rows.
 */
class ViewCrashTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROUNDS = 21;
  private static final long SEED = Long.getLong("sluice.viewcrash.seed", 20_251_207L);
  private static final long ROUND_SECONDS_MAX = 60;
  private static final Duration CATCH_UP_MAX = Duration.ofSeconds(60);
  /** Events appended before {@code rotating} is replaced in a backfill round. */
  private static final int PRELOAD_EVENTS = 3_000;

  @TempDir Path tmp;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** When a round's child dies. */
  private sealed interface Kill {
    record AfterAcks(int acks) implements Kill {}

    record AfterMs(int ms) implements Kill {}

    /** On the {@code line}th progress line of the new version; after {@code acks} appends if it is built first. */
    record WhileBuilding(int line, int acks) implements Kill {}
  }

  /** What a child said before it died. */
  private record Outcome(int acks, long version, boolean killedWhileBuilding) {}

  @Test
  void everyViewEqualsItsBatchRecomputationAfterEverySigkill() throws Exception {
    System.out.println("ViewCrashTest seed " + SEED + " (rerun with -Dsluice.viewcrash.seed=" + SEED + ")");
    Random random = new Random(SEED);
    Path data = tmp.resolve("data");
    Path views = data.resolve("views");
    int acks = 0;
    int backfills = 0;
    int backfillsKilled = 0;
    int killsWithAViewBehind = 0;
    Map<String, Integer> last = Map.of();
    for (int round = 0; round < ROUNDS; round++) {
      boolean backfill = round % 3 == 1;
      // A backfill commits about once per thousand events, so later rounds, with more log, can die later in it.
      Kill kill = backfill
          ? new Kill.WhileBuilding(1 + random.nextInt(1 + round / 3), 1 + random.nextInt(30))
          : random.nextInt(4) == 0 ? new Kill.AfterMs(random.nextInt(1_500)) : new Kill.AfterAcks(1 + random.nextInt(120));
      String context = "seed " + SEED + ", round " + round + " (" + kill + ")";
      Outcome outcome = runChildAndKill(data, round, random.nextLong(), backfill ? PRELOAD_EVENTS : 0, kill);
      acks += outcome.acks();
      try (EmbeddedLog log = EmbeddedLog.open(data.resolve("log"), ViewCrashWorker.options())) {
        List<Committed> survived = Committed.read(log, views);
        System.out.println("round " + round + ", " + kill + ": " + outcome.acks() + " acks"
            + (outcome.killedWhileBuilding() ? ", killed while v" + outcome.version() + " was building" : "")
            + "; durable/end " + survived.stream().map(c -> c.view() + " v" + c.version() + " " + c.events() + "/" + c.end()).toList());
        if (survived.stream().anyMatch(c -> c.behind() > 0)) {
          killsWithAViewBehind++;
        }
        if (backfill) {
          backfills++;
          assertThat(outcome.version()).as("%s: the child replaced %s", context, ViewCrashWorker.ROTATING).isPositive();
          Committed.of(survived, ViewCrashWorker.ROTATING, outcome.version());
          if (outcome.killedWhileBuilding()) {
            backfillsKilled++;
          }
        }
        last = checkViews(log, views, context);
      }
    }
    System.out.println("ViewCrashTest: " + acks + " acknowledged appends in " + ROUNDS + " rounds; " + backfillsKilled
        + " of " + backfills + " backfills killed while building; " + killsWithAViewBehind + " kills left a view behind the log");
    assertThat(acks).as("acknowledged appends").isGreaterThan(ROUNDS * 5);
    assertThat(backfillsKilled).as("backfills killed while building").isGreaterThanOrEqualTo(backfills / 2);
    assertThat(killsWithAViewBehind).as("kills that left a view with events still to process").isGreaterThanOrEqualTo(ROUNDS / 2);
    assertThat(last.keySet()).containsExactlyInAnyOrder(
        "orders_by_status", "orders_per_minute", "paid_by_customer", "revenue_by_country", ViewCrashWorker.ROTATING,
        ViewCrashWorker.PAID_ORDERS.name());
    assertThat(last.get("paid_by_customer")).as("customers with paid orders, applied in place").isGreaterThanOrEqualTo(5);
    assertThat(last.get("revenue_by_country")).as("countries (and NULL) with paid orders").isGreaterThanOrEqualTo(5);
    assertThat(last.get("orders_per_minute")).as("one row per minute of event time").isEqualTo(30);
    assertThat(last.get(ViewCrashWorker.PAID_ORDERS.name())).as("paid orders derived").isGreaterThan(1_000);
  }

  private Outcome runChildAndKill(Path data, int round, long seed, int preload, Kill policy) throws Exception {
    Path stderr = tmp.resolve("child-" + round + ".err");
    Process child = ChildJvm.start(stderr, ViewCrashWorker.class,
        data.toString(), Integer.toString(round), Long.toString(seed), Integer.toString(preload));
    AtomicBoolean killed = new AtomicBoolean();
    Runnable kill = () -> {
      killed.set(true);
      child.toHandle().destroyForcibly();
    };
    if (policy instanceof Kill.AfterMs(int ms)) {
      timer.schedule(kill, ms, TimeUnit.MILLISECONDS);
    }
    AtomicBoolean timedOut = new AtomicBoolean();
    var watchdog = timer.schedule(() -> {
      timedOut.set(true);
      child.toHandle().destroyForcibly();
    }, ROUND_SECONDS_MAX, TimeUnit.SECONDS);
    int acks = 0;
    int progressLines = 0;
    long version = -1;
    boolean built = false;
    boolean killedWhileBuilding = false;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        String[] words = line.split(" ");
        switch (words[0]) {
          case "ack" -> acks++;
          case "building" -> version = Long.parseLong(words[2].substring(1));
          case "progress" -> progressLines++;
          case "built" -> built = true;
          default -> { }
        }
        if (!killed.get() && due(policy, acks, progressLines, built)) {
          killedWhileBuilding = policy instanceof Kill.WhileBuilding && !built;
          kill.run();
        }
      }
    }
    int exit = child.waitFor();
    watchdog.cancel(false);
    assertThat(timedOut).as("round %d still running after %d s", round, ROUND_SECONDS_MAX).isFalse();
    assertThat(killed).as("the child of round %d ended by itself (exit %d): %s", round, exit, Files.readString(stderr)).isTrue();
    assertThat(exit).as("exit status of a SIGKILLed child").isEqualTo(128 + 9);
    return new Outcome(acks, version, killedWhileBuilding);
  }

  private static boolean due(Kill policy, int acks, int progressLines, boolean built) {
    return switch (policy) {
      case Kill.AfterAcks(int n) -> acks == n;
      case Kill.AfterMs(int ms) -> false;
      case Kill.WhileBuilding(int line, int afterBuilt) -> built ? acks >= afterBuilt : progressLines == line;
    };
  }

  /**
   * Opens the engine over {@code log}, lets every view (and every version left building) catch up
   * with the log's end, and checks each against batch evaluation; returns how many rows (or derived
   * events) each has.
   */
  private static Map<String, Integer> checkViews(EventLog log, Path views, String context) throws InterruptedException {
    Map<String, Integer> all = new TreeMap<>();
    try (Engine engine = Engine.open(log, views)) {
      Token end = Recomputation.endOf(log);
      awaitNoReplacement(engine, context);
      List<Input> history = Recomputation.history(log);
      for (String name : engine.names()) {
        Map<String, String> rows = Recomputation.rows(engine, name, end, CATCH_UP_MAX);
        ViewStatus status = engine.view(name).orElseThrow();
        if (status.derivedStream()) {
          all.put(name, checkDerivedStream(log, status, history, context));
          checkDerivedLineage(engine, log, status, context);
          continue;
        }
        assertThat(status.replacing()).as("%s: %s is not being replaced", context, name).isNull();
        assertThat(rows).as("%s: view %s v%d equals its batch recomputation", context, name, status.version())
            .isEqualTo(Recomputation.batch(status.definition(), log, history));
        assertThat(status.rows()).as("%s: %s counts its rows", context, name).isEqualTo(rows.size());
        assertThat(foldedChangelog(engine, status, end)).as("%s: the changelog of %s v%d folded from its start equals its rows",
            context, name, status.version()).isEqualTo(normalized(rows));
        assertThat(status.eventsProcessed()).as("%s: %s processed each event of its sources once", context, name)
            .isEqualTo(sourceEvents(status, log, history));
        checkDigest(engine, name, rows, end, Recomputation.sources(status.definition(), log), context);
        all.put(name, rows.size());
      }
      checkLineageApplied(engine, history, context);
    }
    return all;
  }

  /** The digest a view keeps in its commits survives the kills: it is the digest of the rows it holds. */
  private static void checkDigest(Engine engine, String view, Map<String, String> rows, Token end, Set<String> sources,
      String context) throws InterruptedException {
    long expected = 0;
    for (Engine.KeyedJson row : engine.scan(view, null, null, null, Integer.MAX_VALUE, null, CATCH_UP_MAX)) {
      expected += ViewDigest.rowHash(row.key().bytes(), row.json());
    }
    long deadline = System.nanoTime() + CATCH_UP_MAX.toNanos();
    while (true) {
      DigestCheckpoint checkpoint = engine.digests().stream().filter(c -> c.view().equals(view)).findFirst().orElse(null);
      if (checkpoint != null && Recomputation.covers(checkpoint, end, sources)) {
        assertThat(checkpoint.digest()).as("%s: %s's digest is that of its rows", context, view).isEqualTo(ViewDigest.hex(expected));
        assertThat(checkpoint.rows()).as("%s: %s's checkpointed row count", context, view).isEqualTo(rows.size());
        return;
      }
      assertThat(System.nanoTime()).as("%s: no digest checkpoint of %s covers the log's end", context, view).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /**
   * Each derived event is in the lineage of the input that caused it, at the position it landed:
   * the lineage index was committed with the positions, however often the child died in between.
   */
  private static void checkDerivedLineage(Engine engine, EventLog log, ViewStatus status, String context) {
    List<Input> events = Recomputation.history(log).stream().filter(i -> i.source().equals(status.name())).toList();
    for (int i = 0; i < events.size(); i += Math.max(1, events.size() / 50)) {
      Input event = events.get(i);
      LineageReport lineage = engine.lineage("orders", event.causes().get(0)).orElseThrow();
      assertThat(lineage.derived()).as("%s: lineage of orders %s", context, event.causes().get(0))
          .anySatisfy(d -> assertThat(List.of(d.stream(), d.id(), d.partition(), d.offset()))
              .isEqualTo(List.of(status.name(), event.id(), event.partition(), event.offset())));
    }
  }

  /** Once every view has caught up, every input's lineage says each view reading it applied it. */
  private static void checkLineageApplied(Engine engine, List<Input> history, String context) {
    for (int i = 0; i < history.size(); i += Math.max(1, history.size() / 50)) {
      Input input = history.get(i);
      LineageReport lineage = engine.lineage(input.source(), input.id()).orElseThrow();
      assertThat(lineage.partition()).isEqualTo(input.partition());
      assertThat(lineage.offset()).isEqualTo(input.offset());
      assertThat(lineage.views()).as("%s: lineage of %s %s", context, input.source(), input.id())
          .allSatisfy(v -> assertThat(v.applied()).isTrue());
    }
  }

  /**
   * Every change the view's changelog holds, folded in order from the first: the fold fails on a
   * change whose old row is not the row before it (a change lost or repeated across a kill).
   */
  private static Map<String, JsonNode> foldedChangelog(Engine engine, ViewStatus status, Token end) throws InterruptedException {
    String start = status.version() + ":0";
    ChangeFold fold = new ChangeFold(true).startingAt(start);
    try (Subscription changes = engine.subscribe(status.name(), Subscription.Filter.ALL, start, end, CATCH_UP_MAX)) {
      for (List<Subscription.Event> events; !(events = changes.next(0)).isEmpty(); ) {
        for (Subscription.Event e : events) {
          fold.apply(e.kind().wireName(), new String(e.json(), StandardCharsets.UTF_8));
        }
      }
    }
    assertThat(fold.snapshots()).as("the changelog of %s holds every change from the first", status.name()).isZero();
    return fold.rows();
  }

  private static Map<String, JsonNode> normalized(Map<String, String> rows) {
    Map<String, JsonNode> out = new TreeMap<>();
    try {
      for (Map.Entry<String, String> e : rows.entrySet()) {
        out.put(JSON.readTree(e.getKey()).toString(), JSON.readTree(e.getValue()));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  /**
   * A derived stream holds one event per row its pipeline derives from the whole log, each once
   * however often it was replayed, with an id made of its input's: no duplicate, no gap.
   */
  private static int checkDerivedStream(EventLog log, ViewStatus status, List<Input> history, String context) {
    // Read now, not with the history: the engine in this JVM appended what the child had not.
    List<Input> events = Recomputation.history(log).stream().filter(i -> i.source().equals(status.name())).toList();
    List<String> derived = events.stream().map(i -> new String(i.value(), StandardCharsets.UTF_8)).sorted().toList();
    List<String> expected = Recomputation.batch(status.definition(), log, history).values().stream().sorted().toList();
    assertThat(derived).as("%s: derived stream %s equals its batch recomputation", context, status.name()).isEqualTo(expected);
    assertThat(events).as("%s: ids of %s", context, status.name())
        .allSatisfy(e -> assertThat(e.id()).startsWith("orders/" + e.causes().get(0) + "/"));
    assertThat(status.rows()).as("%s: %s counts its events", context, status.name()).isEqualTo(events.size());
    assertThat(status.eventsProcessed()).as("%s: %s processed each event of its sources once", context, status.name())
        .isEqualTo(sourceEvents(status, log, history));
    return events.size();
  }

  private static long sourceEvents(ViewStatus status, EventLog log, List<Input> history) {
    long events = 0;
    for (String source : Recomputation.sources(status.definition(), log)) {
      events += history.stream().filter(i -> i.source().equals(source)).count();
    }
    return events;
  }

  /**
   * A replacement left building by the kill takes over once it has caught up. That swap has no
   * token or future to await, so this polls for it, with a deadline.
   */
  private static void awaitNoReplacement(Engine engine, String context) throws InterruptedException {
    long deadline = System.nanoTime() + CATCH_UP_MAX.toNanos();
    while (true) {
      List<ViewStatus> views = engine.views();
      for (ViewStatus s : views) {
        assertThat(s.state()).as("%s: %s (%s)", context, s.name(), s.error()).isNotEqualTo(ViewState.FAILED);
        if (s.replacing() != null) {
          assertThat(s.replacing().state()).as("%s: %s v%d (%s)", context, s.name(), s.replacing().version(),
              s.replacing().error()).isNotEqualTo(ViewState.FAILED);
        }
      }
      List<ViewStatus> pending = views.stream().filter(s -> s.replacing() != null).toList();
      if (pending.isEmpty()) {
        return;
      }
      assertThat(System.nanoTime()).as("%s: replacements still building: %s", context, pending).isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
