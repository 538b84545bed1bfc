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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link ViewCrashTest}: opens the log and the engine on a folder, declares
 * {@code orders}, {@code customers}, the {@link #VIEWS} and {@link #PAID_ORDERS} (if missing), and appends orders and
 * customer updates and deletes from {@link #THREADS} threads until it is killed. One line per event
 * of its life, flushed at once:
 *
 * <pre>
 * ready                         streams and views declared, views running
 * preloaded N                   N events appended before the rotating view is (re)created
 * building rotating vV          CREATE [OR REPLACE] VIEW rotating returned version V
 * progress rotating vV F        version V is building and has committed more: a fraction F of the log
 * built rotating vV             version V serves reads
 * ack N                         an append of N events was acknowledged
 * </pre>
 *
 * <p>With a preload (a backfill round) it first appends that many events, then replaces
 * {@code rotating} with the definition of the round, so that the new version has a whole log to
 * backfill while the parent kills it.
 */
final class ViewCrashWorker {
  static final StreamSpec ORDERS = new StreamSpec("orders", StreamKind.STREAM, "order_id", 3);
  static final StreamSpec CUSTOMERS = new StreamSpec("customers", StreamKind.TABLE, "customer_id", 2);
  static final String ROTATING = "rotating";
  /** {@code CREATE STREAM paid_orders KEY order_id PARTITIONS 2 AS …}: a derived stream, appended to by the engine. */
  static final StreamSpec PAID_ORDERS = new StreamSpec("paid_orders", StreamKind.STREAM, "order_id", 2);
  static final String PAID_ORDERS_PIPELINE = "FROM orders |> WHERE status = 'paid' |> SELECT order_id, customer_id, amount";

  /** The views every child declares if missing; their definitions never change. */
  static final Map<String, String> VIEWS = new LinkedHashMap<>();

  static {
    VIEWS.put("revenue_by_country", "FROM orders |> WHERE status = 'paid' |> JOIN customers USING (customer_id)"
        + " |> AGGREGATE count(*) AS orders, sum(amount) AS revenue, min(amount) AS smallest, max(amount) AS largest"
        + " GROUP BY country");
    VIEWS.put("orders_by_status", "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY status");
    // The bench's shape, applied in place from the log's bytes.
    VIEWS.put("paid_by_customer", "FROM orders |> WHERE status = 'paid' AND amount > 10"
        + " |> AGGREGATE sum(amount) AS total, count(*) AS n, max(amount) AS largest GROUP BY customer_id");
    VIEWS.put("orders_per_minute", "FROM orders |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE)"
        + " |> AGGREGATE count(*) AS orders, count(DISTINCT customer_id) AS customers GROUP BY window_start");
  }

  /** What {@code rotating} is replaced with, round after round: a table alone, a LEFT JOIN of rows, a two-key group. */
  static final List<String> ROTATIONS = List.of(
      "FROM customers |> AGGREGATE count(*) AS n GROUP BY country",
      "FROM orders |> LEFT JOIN customers USING (customer_id) |> WHERE amount >= 480 |> SELECT order_id, country, amount",
      "FROM orders |> JOIN customers USING (customer_id)"
          + " |> AGGREGATE avg(amount) AS mean, count(DISTINCT status) AS statuses GROUP BY country, status");

  static final int THREADS = 2;
  /** Event times fall in this many minutes from {@link #TIME_BASE_MS}, in any order. */
  private static final int MINUTES = 30;
  private static final long TIME_BASE_MS = 1_699_999_980_000L;
  private static final int CUSTOMERS_MAX = 300;
  private static final int CUSTOMER_REQUEST_ONE_IN = 4;
  private static final List<String> COUNTRIES = List.of("FR", "DE", "US", "NL", "JP");
  private static final List<String> STATUSES = List.of("paid", "paid", "open", "cancelled");
  private static final int PRELOAD_REQUEST_EVENTS = 500;

  private ViewCrashWorker() {}

  static EmbeddedLog.Options options() {
    return EmbeddedLog.Options.defaults();
  }

  /** Arguments: data folder, round, seed, events to preload before replacing {@code rotating} (0: none). */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int round = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    int preload = Integer.parseInt(args[3]);
    // Small reads and a low "far behind" mark: a backfill of a few thousand events then commits
    // many passes over the partitions at once, as a large backfill does, and is killed inside them.
    System.setProperty("sluice.view.read-records", "50");
    System.setProperty("sluice.view.behind-records", "300");
    // Views applied in place that are 600 records behind read ahead on a second thread: a restart
    // behind, and a view behind the appenders, are killed inside those reads too.
    System.setProperty("sluice.view.read-ahead-records", "600");
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), options());
    log.create(ORDERS, true);
    log.create(CUSTOMERS, true);
    Engine engine = Engine.open(log, dir.resolve("views"));
    VIEWS.forEach((name, text) -> engine.create(name, text, false, true));
    engine.createDerivedStream(PAID_ORDERS, ((Statement.Query) Parser.parseStatement(PAID_ORDERS_PIPELINE)).pipeline(),
        PAID_ORDERS_PIPELINE, true);
    say(out, "ready");
    Random random = new Random(seed);
    if (preload > 0) {
      for (int i = 0; i < preload; i += PRELOAD_REQUEST_EVENTS) {
        append(log, request(random, round, -1, i, Math.min(PRELOAD_REQUEST_EVENTS, preload - i)));
      }
      say(out, "preloaded " + preload);
      long version = engine.create(ROTATING, ROTATIONS.get(round % ROTATIONS.size()), true, false).version();
      say(out, "building " + ROTATING + " v" + version);
      startAppenders(log, out, round, seed);
      reportBuild(engine, out, version);
    } else {
      startAppenders(log, out, round, seed).forEach(ViewCrashWorker::join);
    }
  }

  private static List<Thread> startAppenders(EmbeddedLog log, PrintStream out, int round, long seed) {
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      Random random = new Random(seed * 31 + thread);
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; ; i++) {
          Request request = request(random, round, thread, i, 1 + random.nextInt(20));
          append(log, request);
          say(out, "ack " + request.events().size());
        }
      }));
    }
    return threads;
  }

  /**
   * Prints the progress of {@code version} of {@code rotating} each time it commits more of its
   * backfill, then that it serves. Polling is how a client watches a build; the parent only reads
   * what is printed.
   */
  private static void reportBuild(Engine engine, PrintStream out, long version) throws InterruptedException {
    double reported = 0;
    while (true) {
      ViewStatus serving = engine.view(ROTATING).orElseThrow();
      ViewStatus building = serving.version() == version ? serving : serving.replacing();
      if (serving.version() == version && serving.state() != ViewState.BUILDING) {
        say(out, "built " + ROTATING + " v" + version);
        return;
      }
      if (building != null && building.version() == version && building.progress() > reported && building.progress() < 1) {
        reported = building.progress();
        say(out, "progress " + ROTATING + " v" + version + " " + reported);
      }
      Thread.sleep(1);
    }
  }

  record Request(String stream, List<Event> events) {}

  /**
   * {@code size} orders, or (one request in {@link #CUSTOMER_REQUEST_ONE_IN}) up to an eighth as many
   * customer updates and deletes; {@code thread} -1 is the preload. Customers change rarely, as they
   * do: each change re-joins every order of the customer.
   */
  static Request request(Random random, int round, int thread, int index, int size) {
    boolean orders = random.nextInt(CUSTOMER_REQUEST_ONE_IN) != 0;
    List<Event> events = new ArrayList<>();
    for (int j = 0; j < (orders ? size : 1 + random.nextInt(Math.max(1, size / 8))); j++) {
      events.add(orders ? order(random, "o" + round + "-" + thread + "-" + index + "-" + j) : customer(random));
    }
    return new Request(orders ? ORDERS.name() : CUSTOMERS.name(), events);
  }

  private static Event order(Random random, String orderId) {
    String amount = switch (random.nextInt(50)) {
      case 0 -> "\"n/a\""; // a dead letter for sum, min, max and avg: left out by view and batch alike
      case 1, 2, 3, 4, 5 -> (1 + random.nextInt(500)) + "." + random.nextInt(10) + "0";
      default -> Integer.toString(1 + random.nextInt(500));
    };
    String json = "{\"order_id\":\"" + orderId + "\",\"customer_id\":\"c" + random.nextInt(CUSTOMERS_MAX)
        + "\",\"amount\":" + amount + ",\"status\":\"" + STATUSES.get(random.nextInt(STATUSES.size())) + "\"}";
    long timeMs = TIME_BASE_MS + random.nextInt(MINUTES * 60_000);
    return new Event(orderId, null, timeMs, List.of(), false, json.getBytes(StandardCharsets.UTF_8));
  }

  private static Event customer(Random random) {
    String id = "c" + random.nextInt(CUSTOMERS_MAX);
    int kind = random.nextInt(20);
    if (kind < 3) {
      return new Event(id, null, null, List.of(), true, ("{\"customer_id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
    }
    String country = kind == 3 ? "null" : "\"" + COUNTRIES.get(random.nextInt(COUNTRIES.size())) + "\"";
    String json = "{\"customer_id\":\"" + id + "\",\"country\":" + country + "}";
    return new Event(id, null, null, List.of(), false, json.getBytes(StandardCharsets.UTF_8));
  }

  private static void append(EmbeddedLog log, Request request) {
    try {
      log.append(request.stream(), request.events()).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(3); // the parent sees the child end by itself and fails
    }
  }

  private static void say(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  private static void join(Thread thread) {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
