package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Ids;
import dev.sluice.log.Record;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 * In the spirit of RocksDB's db_crashtest.py: a child JVM ({@link CrashWorker}) appends from several
 * threads and prints every acknowledgement; it is killed with SIGKILL at a random moment — while
 * opening, appending, rolling a segment — and started again on the same folder, round after round.
 * After each round this test opens the log itself: every acknowledged event is there once, at its
 * acknowledged position, with its content; ids are unique, offsets dense, every record passes its
 * checksum, and what an earlier round saw is unchanged.
 */
class CrashTest {
  private static final int ROUNDS = 24;
  private static final long SEED = Long.getLong("sluice.crash.seed", 20_251_124L);
  private static final long ROUND_SECONDS_MAX = 60;

  @TempDir Path tmp;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** One event as a child acknowledged it. */
  private record Ack(int partition, long offset, boolean duplicate, String id, String crc) {}

  @Test
  void everyAcknowledgedEventSurvivesSigkillExactlyOnceAtItsPosition() throws Exception {
    System.out.println("CrashTest seed " + SEED + " (rerun with -Dsluice.crash.seed=" + SEED + ")");
    Random random = new Random(SEED);
    Path data = tmp.resolve("data");
    List<Ack> acknowledged = new ArrayList<>();
    List<List<String>> seen = new ArrayList<>();
    int killedWhileStarting = 0;
    for (int round = 0; round < ROUNDS; round++) {
      boolean byTime = random.nextInt(5) == 0;
      int killAfter = byTime ? random.nextInt(600) : 1 + random.nextInt(200);
      List<Ack> acks = runChildAndKill(data, round, random.nextLong(), byTime, killAfter);
      if (acks.isEmpty()) {
        killedWhileStarting++;
      }
      acknowledged.addAll(acks);
      String context = "seed " + SEED + ", round " + round + " (killed after " + killAfter + (byTime ? " ms)" : " acks)");
      checkLog(data, acknowledged, seen, context);
    }
    System.out.println("CrashTest: " + acknowledged.size() + " acknowledged events in " + ROUNDS + " rounds, "
        + killedWhileStarting + " rounds killed before the first acknowledgement");
    assertThat(acknowledged).as("acknowledged events").hasSizeGreaterThan(ROUNDS * 10);
  }

  /** Runs one child until the kill; returns what it acknowledged, read to the end of its output. */
  private List<Ack> runChildAndKill(Path data, int round, long seed, boolean byTime, int killAfter) throws Exception {
    Path stderr = tmp.resolve("child-" + round + ".err");
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process child = new ProcessBuilder(
            java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"),
            CrashWorker.class.getName(), data.toString(), Integer.toString(round), Long.toString(seed))
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
    assertThat(killed)
        .as("the child of round %d ended by itself (exit %d): %s", round, exit, Files.readString(stderr))
        .isTrue();
    assertThat(exit).as("exit status of a SIGKILLed child").isEqualTo(128 + 9);
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

  /** Opens the log in this JVM and checks it against every acknowledgement so far. */
  private static void checkLog(Path data, List<Ack> acknowledged, List<List<String>> seen, String context) throws IOException {
    // The folder as the kill left it: direct writes leave whole rounds and zero padding, which the
    // audit passes over (docs/log-format.md §1, §9).
    assertThat(LogAudit.run(data).findings()).as("%s: verify before reopening", context).isEmpty();
    try (EmbeddedLog log = EmbeddedLog.open(data, CrashWorker.options())) {
      assertThat(log.damageReports()).as(context).isEmpty();
      if (log.stream(CrashWorker.STREAM).isEmpty()) {
        assertThat(acknowledged).as("%s: acknowledged, yet the stream is gone", context).isEmpty();
        return;
      }
      List<List<Record>> partitions = new ArrayList<>();
      Set<String> ids = new HashSet<>();
      for (int p = 0; p < CrashWorker.SPEC.partitions(); p++) {
        List<Record> records = Fixtures.readAll(log, CrashWorker.STREAM, p);
        List<String> fingerprints = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
          Record r = records.get(i);
          assertThat(r.offset()).as("%s: offsets of partition %d are dense", context, p).isEqualTo(i);
          assertThat(ids.add(r.id())).as("%s: id %s is stored once", context, r.id()).isTrue();
          fingerprints.add(r.id() + "/" + CrashWorker.crc(r.value()));
        }
        if (p < seen.size()) {
          Fixtures.assertBeginsWith(fingerprints, seen.get(p), context + ": partition " + p + " still holds what earlier rounds saw");
        }
        partitions.add(records);
      }
      for (Ack ack : acknowledged) {
        List<Record> records = partitions.get(ack.partition());
        assertThat(ack.offset()).as("%s: acknowledged %s is there", context, ack).isLessThan(records.size());
        Record r = records.get((int) ack.offset());
        String id = ack.id() != null ? ack.id() : Ids.generated(ack.partition(), ack.offset());
        assertThat(r.id()).as("%s: id at %s", context, ack).isEqualTo(id);
        assertThat(CrashWorker.crc(r.value())).as("%s: value at %s", context, ack).isEqualTo(ack.crc());
      }
      seen.clear();
      for (List<Record> records : partitions) {
        seen.add(records.stream().map(r -> r.id() + "/" + CrashWorker.crc(r.value())).toList());
      }
    }
  }
}
