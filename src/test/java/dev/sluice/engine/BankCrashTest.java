package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.EventLog;
import dev.sluice.log.Record;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bank of {@code examples/bank} under kill -9 and retries: a child JVM ({@link
 * BankCrashWorker}) appends transfers and is SIGKILLed at random moments, round after round —
 * also while the ledger is between the two legs of a transfer, or between appending legs and
 * committing that it did. After each round: every acknowledged transfer is in the log once, has
 * exactly one debit and one credit, and balances, read at the ledger's end, equal the transfers'
 * bookkeeping and sum to zero.
 */
class BankCrashTest {
  private static final int ROUNDS = 6;
  private static final long SEED = Long.getLong("sluice.bankcrash.seed", 20_261_203L);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void moneyIsConservedAndEveryTransferHasTwoLegsOnceAfterEverySigkill() throws Exception {
    System.out.println("BankCrashTest seed " + SEED + " (rerun with -Dsluice.bankcrash.seed=" + SEED + ")");
    Random random = new Random(SEED);
    Path data = tmp.resolve("data");
    Set<String> acked = new HashSet<>();
    int transfers = 0;
    for (int round = 0; round < ROUNDS; round++) {
      boolean byTime = random.nextInt(3) == 0;
      int after = byTime ? random.nextInt(1_500) : 1 + random.nextInt(150);
      String context = "seed " + SEED + ", round " + round + " (kill after " + after + (byTime ? " ms)" : " acks)");
      acked.addAll(runChildAndKill(data, round, random.nextLong(), byTime, after));
      try (EmbeddedLog log = EmbeddedLog.open(data.resolve("log"), EmbeddedLog.Options.defaults())) {
        // What sluice verify does, on the folder as the kill left it: the ledger derived again from
        // the transfers, and the views recomputed.
        ViewAudit.Result audit = ViewAudit.run(log, data.resolve("views"));
        assertThat(audit.findings()).as("%s: verify's findings", context).isEmpty();
        assertThat(audit.checked()).extracting(ViewAudit.Checked::kind).as("%s: what verify recomputed", context)
            .contains("derived stream", "view");
      }
      try (EmbeddedLog log = EmbeddedLog.open(data.resolve("log"), EmbeddedLog.Options.defaults());
          Engine engine = Engine.open(log, data.resolve("views"))) {
        transfers = check(log, engine, acked, context);
        System.out.println(context + ": " + acked.size() + " acknowledged transfers, " + transfers + " in the log");
      }
    }
    assertThat(transfers).as("transfers").isGreaterThan(ROUNDS * 5);
  }

  /** Returns how many transfers the log holds. */
  private static int check(EventLog log, Engine engine, Set<String> acked, String context) throws InterruptedException {
    Map<String, JsonNode> transfers = new HashMap<>();
    for (Record r : all(log, "transfers")) {
      assertThat(transfers.put(r.id(), json(r))).as("%s: transfer %s in the log once", context, r.id()).isNull();
    }
    assertThat(transfers.keySet()).as("%s: acknowledged transfers", context).containsAll(acked);
    awaitLedger(engine, log, context);
    Map<String, List<String>> legs = new HashMap<>();
    for (Record r : all(log, "ledger")) {
      JsonNode leg = json(r);
      legs.computeIfAbsent(leg.path("transfer_id").asText(), k -> new ArrayList<>())
          .add(leg.path("leg").asText() + " " + leg.path("account").asText() + " " + leg.path("amount").asInt());
    }
    Map<String, Integer> expected = new TreeMap<>();
    transfers.forEach((id, t) -> {
      String payer = t.path("payer").asText();
      String payee = t.path("payee").asText();
      int amount = t.path("amount").asInt();
      assertThat(legs.get(id)).as("%s: the legs of %s", context, id)
          .containsExactlyInAnyOrder("debit " + payer + " " + -amount, "credit " + payee + " " + amount);
      expected.merge(payer, -amount, Integer::sum);
      expected.merge(payee, amount, Integer::sum);
    });
    assertThat(legs).as("%s: no legs without a transfer", context).hasSameSizeAs(transfers);
    Map<String, Integer> balances = new TreeMap<>();
    Recomputation.rows(engine, "balances", Recomputation.endOf(log), WAIT)
        .forEach((account, row) -> balances.put(account.replace("\"", ""), json(row).path("balance").asInt()));
    assertThat(balances).as("%s: balances", context).isEqualTo(expected);
    assertThat(balances.values().stream().mapToInt(Integer::intValue).sum()).as("%s: money in the bank", context).isZero();
    return transfers.size();
  }

  /** Until the ledger has derived every transfer the log holds. */
  private static void awaitLedger(Engine engine, EventLog log, String context) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Token transfers = Token.empty();
    long[] ends = new long[log.stream("transfers").orElseThrow().partitions()];
    for (int p = 0; p < ends.length; p++) {
      ends[p] = log.endOffset("transfers", p);
    }
    transfers = transfers.merge(Token.ofEnds("transfers", ends));
    while (engine.view("ledger").orElseThrow().lagEvents() > 0) {
      assertThat(System.nanoTime()).as("%s: the ledger caught up with %s", context, transfers).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static List<Record> all(EventLog log, String stream) {
    List<Record> out = new ArrayList<>();
    for (int p = 0; p < log.stream(stream).orElseThrow().partitions(); p++) {
      for (long from = 0; ; ) {
        List<Record> page = log.read(stream, p, from, 1000);
        if (page.isEmpty()) {
          break;
        }
        out.addAll(page);
        from = page.get(page.size() - 1).offset() + 1;
      }
    }
    return out;
  }

  private static JsonNode json(Record r) {
    return json(new String(r.value(), StandardCharsets.UTF_8));
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private List<String> runChildAndKill(Path data, int round, long seed, boolean byTime, int after) throws Exception {
    return ChildJvm.runAndKill(timer, tmp.resolve("child-" + round + ".err"), byTime, after, 60,
        BankCrashWorker.class, data.toString(), Integer.toString(round), Long.toString(seed));
  }
}
