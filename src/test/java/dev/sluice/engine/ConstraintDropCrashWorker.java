package dev.sluice.engine;

import dev.sluice.constraints.Constraint;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.embedded.EmbeddedLog;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child of {@link ConstraintDropCrashTest}: threads claim usernames under {@code unique_username}
 * for new rows without waiting for outcomes, so undecided claims pile up; after {@code dropAfter} acknowledged
 * claims the constraint is dropped while the threads go on. Prints {@code ack ID} once a claim is
 * durable and {@code ack DROP} once the drop returned; then idles until killed.
 */
public final class ConstraintDropCrashWorker {
  static final String DROPPED = "DROP";

  private ConstraintDropCrashWorker() {}

  /** Arguments: data folder, seed, acknowledged claims before the drop. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    int dropAfter = Integer.parseInt(args[2]);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    log.create(ConstraintCrashWorker.USERS, true);
    Engine engine = Engine.open(log, dir.resolve("views"));
    engine.constraints().create(ConstraintCrashWorker.CONSTRAINT, "users", List.of("username"), true);
    Constraint constraint = engine.constraints().on("users").orElseThrow();
    say(out, "ready");
    AtomicInteger acks = new AtomicInteger();
    CompletableFuture<Void> dropDue = new CompletableFuture<>();
    for (int t = 0; t < ConstraintCrashWorker.THREADS; t++) {
      int thread = t;
      Random random = new Random(seed * 31 + t);
      Thread.ofPlatform().daemon().start(() -> {
        for (int i = 0; ; i++) {
          // A new row each time: a row's changes in flight at once may be decided in either order
          // (docs/constraints.md), and these claims are not waited for.
          String row = "u" + thread + "-" + i;
          String json = "{\"user_id\":\"" + row + "\",\"username\":\"name" + random.nextInt(ConstraintCrashWorker.NAMES) + "\"}";
          Event event = new Event(row, "t" + thread + "-" + i, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8));
          try {
            engine.constraints().claim(constraint, List.of(event)).get(60, TimeUnit.SECONDS);
            say(out, "ack " + event.id());
            if (acks.incrementAndGet() == dropAfter) {
              dropDue.complete(null);
            }
          } catch (LogException e) {
            if (e.code() != ErrorCode.OVERLOADED) {
              fail(e);
            }
            return; // refused: the constraint is being dropped
          } catch (InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
            fail(e);
          }
        }
      });
    }
    dropDue.get();
    engine.constraints().drop(ConstraintCrashWorker.CONSTRAINT, false);
    say(out, "ack " + DROPPED);
    Thread.sleep(Long.MAX_VALUE);
  }

  private static void fail(Exception e) {
    e.printStackTrace();
    System.exit(3);
  }

  private static void say(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
