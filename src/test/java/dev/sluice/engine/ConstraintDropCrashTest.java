package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.constraints.Constraint;
import dev.sluice.log.embedded.EmbeddedLog;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DROP CONSTRAINT} under kill -9: a child JVM ({@link ConstraintDropCrashWorker}) claims
 * usernames, drops the constraint while claims are undecided and more arrive, and is SIGKILLed at a
 * random moment — before, during or after the drop. After a restart: an acknowledged drop stays
 * dropped; whether or not the constraint survived, every acknowledged claim is in the claims log
 * once and decided exactly once, no username is held twice, and the table holds exactly the
 * accepted events.
 */
class ConstraintDropCrashTest {
  private static final int ROUNDS = 6;
  private static final long SEED = Long.getLong("sluice.constraintdropcrash.seed", 20_261_202L);
  private static final long ROUND_SECONDS_MAX = 60;

  @TempDir Path tmp;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void everyAcknowledgedClaimIsDecidedOnceAndAnAcknowledgedDropStaysAfterASigkill() throws Exception {
    System.out.println("ConstraintDropCrashTest seed " + SEED + " (rerun with -Dsluice.constraintdropcrash.seed=" + SEED + ")");
    Random random = new Random(SEED);
    int dropsAcknowledged = 0;
    int kept = 0;
    for (int round = 0; round < ROUNDS; round++) {
      // A fresh folder each round: a dropped constraint's name stays taken by its streams.
      Path data = tmp.resolve("data-" + round);
      int dropAfter = 5 + random.nextInt(40);
      // Even rounds: killed as the drop begins (it starts at the dropAfter-th ack; the drop's own ack
      // counts too, and no claim is acknowledged after it). Odd rounds: well after it, mostly.
      boolean byTime = round % 2 == 1;
      int after = byTime ? 2_000 + random.nextInt(1_000) : dropAfter + random.nextInt(2);
      String context = "seed " + SEED + ", round " + round + " (drop after " + dropAfter + " acks, kill after " + after
          + (byTime ? " ms)" : " acks)");
      List<String> acks = ChildJvm.runAndKill(timer, tmp.resolve("child-" + round + ".err"), byTime, after, ROUND_SECONDS_MAX,
          ConstraintDropCrashWorker.class, data.toString(), Long.toString(random.nextLong()), Integer.toString(dropAfter));
      Set<String> acked = new HashSet<>(acks);
      boolean dropAcknowledged = acked.remove(ConstraintDropCrashWorker.DROPPED);
      dropsAcknowledged += dropAcknowledged ? 1 : 0;
      try (EmbeddedLog log = EmbeddedLog.open(data.resolve("log"), EmbeddedLog.Options.defaults());
          Engine engine = Engine.open(log, data.resolve("views"))) {
        Optional<Constraint> left = engine.constraints().on("users");
        if (dropAcknowledged) {
          assertThat(left).as("%s: the acknowledged drop", context).isEmpty();
        }
        if (left.isPresent()) {
          kept++; // killed before the drop was saved
          assertThat(engine.constraints().awaitIdle(left.get(), System.nanoTime() + 60_000_000_000L))
              .as("%s: every claim decided", context).isTrue();
        }
        // Dropped: nothing decides claims any more, so every one must have been decided before.
        Constraint constraint = left.orElse(new Constraint(ConstraintCrashWorker.CONSTRAINT, "users", List.of("username"), true,
            ConstraintCrashWorker.USERS.partitions(), 0));
        if (log.stream(constraint.claimsStream()).isPresent()) {
          int[] counts = ConstraintCrashTest.check(log, constraint, acked, context);
          System.out.println(context + ": " + (left.isPresent() ? "constraint kept" : "constraint dropped") + ", "
              + acked.size() + " acknowledged claims, " + counts[0] + " accepted, " + counts[1] + " rejected");
        }
      }
    }
    System.out.println("ConstraintDropCrashTest: " + dropsAcknowledged + " drops acknowledged, " + kept + " constraints kept by a kill");
    assertThat(dropsAcknowledged).as("rounds whose drop was acknowledged before the kill").isPositive();
  }
}
