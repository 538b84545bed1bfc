package dev.sluice.kafka.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.kafka.TestKafka;
import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.Ids;
import dev.sluice.log.Position;
import dev.sluice.log.Record;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM ({@link KafkaCrashWorker}) appends to a {@link KafkaLog} from several threads and is
 * killed with SIGKILL at a random moment — while opening, appending, committing — round after
 * round. Most rounds reuse one transactional id (a restarted instance); one round uses a new one
 * (another instance taking over, whose predecessor's open transaction the broker must time out).
 * After each round a fresh KafkaLog in this JVM checks: every acknowledged event is in the topic at
 * its acknowledged position with its content, each id is stored once, and what earlier rounds saw
 * is unchanged. At the end every acknowledged id is sent again through yet another producer: each
 * comes back a duplicate at its original position.
 */
@Tag("kafka")
class KafkaCrashTest {
  private static final int ROUNDS = 5;
  /** The round whose child gets a transactional id of its own. */
  private static final int NEW_INSTANCE_ROUND = 2;
  private static final long SEED = Long.getLong("sluice.crash.seed", 20_261_202L);
  private static final long ROUND_SECONDS_MAX = 90;

  @TempDir Path tmp;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  private record Ack(int partition, long offset, boolean duplicate, String id, String crc) {}

  @Test
  void everyAcknowledgedEventSurvivesSigkillOnceAtItsPositionAndItsIdStaysADuplicate() throws Exception {
    System.out.println("KafkaCrashTest seed " + SEED + " (rerun with -Dsluice.crash.seed=" + SEED + ")");
    String bootstrap = TestKafka.bootstrapServers();
    String cluster = TestKafka.newCluster("crash");
    Random random = new Random(SEED);
    List<Ack> acknowledged = new ArrayList<>();
    List<List<String>> seen = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      boolean byTime = random.nextInt(4) == 0;
      int killAfter = byTime ? random.nextInt(4000) : 1 + random.nextInt(60);
      String txId = round == NEW_INSTANCE_ROUND ? "-" : "crash-worker-" + cluster;
      acknowledged.addAll(runChildAndKill(bootstrap, cluster, round, random.nextLong(), txId, byTime, killAfter));
      String context = "seed " + SEED + ", round " + round + " (killed after " + killAfter + (byTime ? " ms)" : " acks)");
      check(bootstrap, cluster, acknowledged, seen, context);
    }
    System.out.println("KafkaCrashTest: " + acknowledged.size() + " acknowledged events in " + ROUNDS + " rounds");
    assertThat(acknowledged).as("acknowledged events").hasSizeGreaterThan(ROUNDS * 5);

    Map<String, Ack> firstById = new LinkedHashMap<>();
    for (Ack ack : acknowledged) {
      if (ack.id() != null) {
        firstById.putIfAbsent(ack.id(), ack);
      }
    }
    try (KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(bootstrap).withCluster(cluster))) {
      List<Event> again = firstById.keySet().stream().map(KafkaCrashWorker::eventWithId).toList();
      AppendResult result = log.append(KafkaCrashWorker.STREAM, again).get(60, TimeUnit.SECONDS);
      assertThat(result.appended()).as("ids appended again after the kills").isZero();
      int i = 0;
      for (Ack ack : firstById.values()) {
        assertThat(result.positions().get(i++)).as("position of %s resent", ack.id())
            .isEqualTo(new Position(ack.partition(), ack.offset(), true));
      }
    }
  }

  private List<Ack> runChildAndKill(String bootstrap, String cluster, int round, long seed, String txId, boolean byTime, int killAfter)
      throws Exception {
    Path stderr = tmp.resolve("child-" + round + ".err");
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process child = new ProcessBuilder(
            java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"),
            KafkaCrashWorker.class.getName(), bootstrap, cluster, Integer.toString(round), Long.toString(seed), txId)
        .redirectError(stderr.toFile())
        .start();
    AtomicBoolean killed = new AtomicBoolean();
    // SIGKILL through the handle: Process.destroyForcibly would also close the pipe and lose the
    // acknowledgements the child wrote just before it died.
    Runnable kill = () -> {
      killed.set(true);
      child.toHandle().destroyForcibly();
    };
    if (byTime) {
      timer.schedule(kill, killAfter, TimeUnit.MILLISECONDS);
    }
    AtomicBoolean timedOut = new AtomicBoolean();
    var watchdog = timer.schedule(() -> {
      timedOut.set(true);
      child.toHandle().destroyForcibly();
    }, ROUND_SECONDS_MAX, TimeUnit.SECONDS);
    List<Ack> acks = new ArrayList<>();
    int lines = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("ack ") && line.endsWith(" end")) {
          acks.addAll(parse(line));
          if (!byTime && ++lines == killAfter) {
            kill.run();
          }
        }
      }
    }
    int exit = child.waitFor();
    watchdog.cancel(false);
    assertThat(timedOut).as("round %d still running after %d s", round, ROUND_SECONDS_MAX).isFalse();
    assertThat(killed).as("the child of round %d ended by itself (exit %d): %s", round, exit, Files.readString(stderr)).isTrue();
    return acks;
  }

  private static List<Ack> parse(String line) {
    List<Ack> acks = new ArrayList<>();
    String[] entries = line.split(" ");
    for (int i = 1; i < entries.length - 1; i++) {
      String[] f = entries[i].split("/");
      acks.add(new Ack(Integer.parseInt(f[0]), Long.parseLong(f[1]), f[2].equals("1"), f[3].equals("-") ? null : f[3], f[4]));
    }
    return acks;
  }

  private static void check(String bootstrap, String cluster, List<Ack> acknowledged, List<List<String>> seen, String context) {
    try (KafkaLog log = KafkaLog.open(KafkaLog.Options.defaults(bootstrap).withCluster(cluster))) {
      if (log.stream(KafkaCrashWorker.STREAM).isEmpty()) {
        assertThat(acknowledged).as("%s: acknowledged, yet the stream is gone", context).isEmpty();
        return;
      }
      Map<String, Record> byId = new HashMap<>();
      List<Map<Long, Record>> partitions = new ArrayList<>();
      for (int p = 0; p < KafkaCrashWorker.SPEC.partitions(); p++) {
        Map<Long, Record> byOffset = new LinkedHashMap<>();
        List<String> fingerprints = new ArrayList<>();
        long next = 0;
        for (List<Record> page; !(page = log.read(KafkaCrashWorker.STREAM, p, next, 500)).isEmpty(); ) {
          for (Record r : page) {
            assertThat(byId.put(r.id(), r)).as("%s: id %s is stored once", context, r.id()).isNull();
            byOffset.put(r.offset(), r);
            fingerprints.add(r.offset() + "/" + r.id() + "/" + KafkaCrashWorker.crc(r.value()));
          }
          next = page.get(page.size() - 1).offset() + 1;
        }
        if (p < seen.size()) {
          assertThat(fingerprints.subList(0, Math.min(fingerprints.size(), seen.get(p).size())))
              .as("%s: partition %d still holds what earlier rounds saw", context, p)
              .isEqualTo(seen.get(p));
        }
        partitions.add(byOffset);
      }
      for (Ack ack : acknowledged) {
        Record r = partitions.get(ack.partition()).get(ack.offset());
        assertThat(r).as("%s: acknowledged %s is there", context, ack).isNotNull();
        String id = ack.id() != null ? ack.id() : Ids.generated(ack.partition(), ack.offset());
        assertThat(r.id()).as("%s: id at %s", context, ack).isEqualTo(id);
        assertThat(KafkaCrashWorker.crc(r.value())).as("%s: value at %s", context, ack).isEqualTo(ack.crc());
      }
      seen.clear();
      for (Map<Long, Record> records : partitions) {
        seen.add(records.values().stream().map(r -> r.offset() + "/" + r.id() + "/" + KafkaCrashWorker.crc(r.value())).toList());
      }
    }
  }
}
