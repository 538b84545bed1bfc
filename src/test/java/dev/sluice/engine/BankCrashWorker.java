package dev.sluice.engine;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The child of {@link BankCrashTest}: declares {@code examples/bank/schema.sql} (if missing) and
 * appends transfers from two threads — a retry of an earlier request, same ids, now and then —
 * printing {@code ack ID} for each transfer once durable, until killed.
 */
public final class BankCrashWorker {
  static final List<String> ACCOUNTS = List.of("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi");

  private BankCrashWorker() {}

  /** Arguments: data folder, round, seed. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int round = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    Engine engine = Engine.open(log, dir.resolve("views"));
    declare(log, engine, Files.readString(Path.of("examples", "bank", "schema.sql")));
    say(out, "ready");
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int thread = t;
      Random random = new Random(seed * 31 + t);
      threads.add(Thread.ofPlatform().start(() -> {
        List<List<Event>> sent = new ArrayList<>();
        for (int i = 0; ; i++) {
          List<Event> request = random.nextInt(7) == 0 && !sent.isEmpty()
              ? sent.get(random.nextInt(sent.size()))
              : request(random, "r" + round + "-t" + thread + "-" + i);
          sent.add(request);
          try {
            log.append("transfers", request).get(60, TimeUnit.SECONDS);
          } catch (Exception e) {
            e.printStackTrace();
            System.exit(3);
          }
          request.forEach(e -> say(out, "ack " + e.id()));
        }
      }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }

  /** The statements of the schema, each once: a restarted child finds them declared. */
  static void declare(EmbeddedLog log, Engine engine, String schema) {
    for (Statement statement : Parser.parseScript(schema)) {
      switch (statement) {
        case Statement.CreateStream s when s.query().isEmpty() ->
            log.create(new StreamSpec(s.name().value(), StreamKind.STREAM, s.key().orElseThrow().toSql(), s.partitions().orElse(1)), true);
        case Statement.CreateStream s -> engine.createDerivedStream(
            new StreamSpec(s.name().value(), StreamKind.STREAM, s.key().orElseThrow().toSql(), s.partitions().orElse(1)),
            s.query().get(), schema, true);
        case Statement.CreateView v -> engine.create(v.name().value(), v.query(), schema, false, true);
        default -> throw new IllegalArgumentException("not in the bank's schema: " + statement);
      }
    }
  }

  private static List<Event> request(Random random, String prefix) {
    List<Event> events = new ArrayList<>();
    for (int j = 0; j < 1 + random.nextInt(5); j++) {
      String id = prefix + "-" + j;
      int payer = random.nextInt(ACCOUNTS.size());
      int payee = (payer + 1 + random.nextInt(ACCOUNTS.size() - 1)) % ACCOUNTS.size();
      String json = "{\"transfer_id\":\"" + id + "\",\"payer\":\"" + ACCOUNTS.get(payer) + "\",\"payee\":\""
          + ACCOUNTS.get(payee) + "\",\"amount\":" + (1 + random.nextInt(50)) + "}";
      events.add(new Event(id, id, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8)));
    }
    return events;
  }

  private static void say(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
