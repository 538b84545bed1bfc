package dev.sluice.engine;

import dev.sluice.constraints.Constraint;
import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The child of {@link ConstraintCrashTest}: threads claim usernames for rows of the table
 * {@code users} under {@code unique_username} — sets, changes, deletes, and retries of earlier
 * requests with the same {@code _id} — printing {@code ack ID} once a claim is durable, until killed.
 */
public final class ConstraintCrashWorker {
  static final StreamSpec USERS = new StreamSpec("users", StreamKind.TABLE, "user_id", 3);
  static final String CONSTRAINT = "unique_username";
  static final int THREADS = 3;
  /** Few names, many rows: most claims contend. */
  static final int NAMES = 12;
  private static final int ROWS_PER_THREAD = 6;

  private ConstraintCrashWorker() {}

  /** Arguments: data folder, round, seed. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int round = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    log.create(USERS, true);
    Engine engine = Engine.open(log, dir.resolve("views"));
    engine.constraints().create(CONSTRAINT, USERS.name(), List.of("username"), true);
    Constraint constraint = engine.constraints().on(USERS.name()).orElseThrow();
    say(out, "ready");
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      Random random = new Random(seed * 31 + t);
      threads.add(Thread.ofPlatform().start(() -> {
        List<Event> sent = new ArrayList<>();
        for (int i = 0; ; i++) {
          Event event = random.nextInt(8) == 0 && !sent.isEmpty()
              ? sent.get(random.nextInt(sent.size()))
              : event(random, "r" + round + "-t" + thread + "-" + i, "u" + thread + "-" + random.nextInt(ROWS_PER_THREAD));
          sent.add(event);
          try {
            AppendResult claimed = engine.constraints().claim(constraint, List.of(event)).get(60, TimeUnit.SECONDS);
            say(out, "ack " + event.id());
            // A row's next change waits for its last to be decided, as docs/constraints.md asks.
            if (!engine.constraints().awaitOutcome(constraint, claimed.positions().get(0), System.nanoTime() + 60_000_000_000L).isPresent()) {
              throw new IllegalStateException("claim " + event.id() + " undecided after 60 s");
            }
          } catch (Exception e) {
            e.printStackTrace();
            System.exit(3);
          }
        }
      }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }

  private static Event event(Random random, String id, String row) {
    if (random.nextInt(6) == 0) {
      return new Event(row, id, null, List.of(), true, ("{\"user_id\":\"" + row + "\"}").getBytes(StandardCharsets.UTF_8));
    }
    String json = "{\"user_id\":\"" + row + "\",\"username\":\"name" + random.nextInt(NAMES) + "\"}";
    return new Event(row, id, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8));
  }

  private static void say(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
