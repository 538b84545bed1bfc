package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.constraints.Constraint;
import dev.sluice.log.EventLog;
import dev.sluice.log.Record;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uniqueness under kill -9: a child JVM ({@link ConstraintCrashWorker}) claims usernames from
 * several threads and is SIGKILLed at random moments, round after round. After each round this test
 * lets the processors decide what was left and checks that no username is held by two rows, every
 * acknowledged claim is in the claims log once and decided exactly once, and the table holds
 * exactly the accepted events, each once.
 */
class ConstraintCrashTest {
  private static final int ROUNDS = 8;
  private static final long SEED = Long.getLong("sluice.constraintcrash.seed", 20_261_202L);
  private static final long ROUND_SECONDS_MAX = 60;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void noValueIsHeldTwiceAndEveryAcknowledgedClaimIsDecidedOnceAfterEverySigkill() throws Exception {
    System.out.println("ConstraintCrashTest seed " + SEED + " (rerun with -Dsluice.constraintcrash.seed=" + SEED + ")");
    Random random = new Random(SEED);
    Path data = tmp.resolve("data");
    Set<String> acked = new HashSet<>();
    int accepted = 0;
    int rejected = 0;
    for (int round = 0; round < ROUNDS; round++) {
      boolean byTime = random.nextInt(3) == 0;
      int killAfter = byTime ? random.nextInt(1_500) : 1 + random.nextInt(60);
      String context = "seed " + SEED + ", round " + round + " (kill after " + killAfter + (byTime ? " ms)" : " acks)");
      acked.addAll(runChildAndKill(data, round, random.nextLong(), byTime, killAfter));
      try (EmbeddedLog log = EmbeddedLog.open(data.resolve("log"), EmbeddedLog.Options.defaults());
          Engine engine = Engine.open(log, data.resolve("views"))) {
        Constraint constraint = engine.constraints().on("users").orElseThrow();
        assertThat(engine.constraints().awaitIdle(constraint, System.nanoTime() + 60_000_000_000L))
            .as("%s: every claim decided", context).isTrue();
        int[] counts = check(log, constraint, acked, context);
        accepted = counts[0];
        rejected = counts[1];
        System.out.println(context + ": " + acked.size() + " acknowledged ids so far; " + accepted + " accepted, " + rejected + " rejected");
      }
    }
    assertThat(accepted).as("accepted claims").isGreaterThan(ROUNDS);
    assertThat(rejected).as("rejected claims: usernames were contended").isGreaterThan(0);
  }

  /** Returns {accepted, rejected}. */
  static int[] check(EventLog log, Constraint constraint, Set<String> acked, String context) {
    Map<String, Integer> claimIds = new HashMap<>();
    int claims = 0;
    for (Record r : all(log, constraint.claimsStream())) {
      JsonNode value = json(r);
      if (!value.has("release")) {
        claims++;
        claimIds.merge(r.id(), 1, Integer::sum);
      }
    }
    for (String id : acked) {
      assertThat(claimIds.get(id)).as("%s: acknowledged claim %s in the claims log", context, id).isEqualTo(1);
    }
    Map<String, Integer> decided = new HashMap<>();
    Map<String, String> acceptedAt = new HashMap<>();
    int rejected = 0;
    for (Record d : all(log, constraint.decisionsStream())) {
      JsonNode value = json(d);
      String claim = value.path("claim").path("partition").asInt() + "." + value.path("claim").path("offset").asLong();
      decided.merge(claim, 1, Integer::sum);
      if (value.path("outcome").asText().equals("accepted")) {
        acceptedAt.put(value.path("event").path("partition").asInt() + "." + value.path("event").path("offset").asLong(),
            value.path("event").path("id").asText());
      } else {
        rejected++;
      }
    }
    assertThat(decided.values()).as("%s: decisions per claim", context).allMatch(n -> n == 1);
    assertThat(decided).as("%s: claims decided", context).hasSize(claims);
    List<Record> users = all(log, "users");
    assertThat(users).as("%s: the table holds exactly the accepted events", context).hasSize(acceptedAt.size());
    Map<String, String> rows = new HashMap<>();
    for (Record r : users) {
      assertThat(acceptedAt.get(r.partition() + "." + r.offset())).as("%s: the claim accepted into users %d.%d", context,
          r.partition(), r.offset()).isEqualTo(r.id());
      rows.remove(r.key());
      if (!r.delete()) {
        rows.put(r.key(), json(r).path("username").asText());
      }
    }
    Map<String, String> holders = new HashMap<>();
    rows.forEach((row, name) -> {
      String other = holders.put(name, row);
      assertThat(other).as("%s: username %s held by rows %s and %s", context, name, other, row).isNull();
    });
    return new int[] {acceptedAt.size(), rejected};
  }

  private static List<Record> all(EventLog log, String stream) {
    List<Record> out = new ArrayList<>();
    StreamSpec spec = log.stream(stream).orElseThrow();
    for (int p = 0; p < spec.partitions(); p++) {
      for (long from = 0; ; ) {
        List<Record> page = log.read(stream, p, from, 1000);
        if (page.isEmpty()) {
          break;
        }
        out.addAll(page);
        from = page.get(page.size() - 1).offset() + 1;
      }
    }
    // Each partition in offset order; the table's rows are per key, and a key stays in one partition.
    return out;
  }

  private static JsonNode json(Record r) {
    try {
      return JSON.readTree(r.value());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private List<String> runChildAndKill(Path data, int round, long seed, boolean byTime, int after) throws Exception {
    return ChildJvm.runAndKill(timer, tmp.resolve("child-" + round + ".err"), byTime, after, ROUND_SECONDS_MAX,
        ConstraintCrashWorker.class, data.toString(), Integer.toString(round), Long.toString(seed));
  }
}
