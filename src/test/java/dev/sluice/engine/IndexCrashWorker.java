package dev.sluice.engine;

import dev.sluice.language.Parser;
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
 * The child JVM of {@link IndexCrashTest}: declares {@code products}, {@code brands}, the index
 * {@link #BY_CATEGORY} and the search index {@link #FINDER} if missing, and appends product
 * inserts, updates and deletes and brand renames until it is killed. Lines it prints:
 *
 * <pre>
 * ready                 declared, indexes running
 * building vV           CREATE OR REPLACE SEARCH INDEX finder returned version V (after a preload)
 * progress F            the building version committed more: a fraction F of the log
 * built                 the new version serves searches
 * ack N                 an append of N events was acknowledged
 * </pre>
 */
final class IndexCrashWorker {
  static final String BY_CATEGORY = "by_category";
  static final String FINDER = "finder";
  static final String PIPELINE = "FROM products |> JOIN brands USING (brand_id) |> SELECT id, title, category, brand";
  static final List<String> WORDS = List.of("red", "green", "lamp", "desk", "oak", "brass", "chair", "shelf");
  static final List<String> CATEGORIES = List.of("a", "b", "c", "d");
  private static final int PRODUCTS_MAX = 400;
  private static final int BRANDS_MAX = 5;
  private static final int PRELOAD_REQUEST_EVENTS = 500;

  private IndexCrashWorker() {}

  static String finder(int round) {
    // Each replacement indexes one more field, so versions differ in what they hold.
    return "CREATE OR REPLACE SEARCH INDEX " + FINDER + " ON (" + PIPELINE + ") (title"
        + (round % 2 == 0 ? ", brand" : "") + ") FACETS (category)";
  }

  /** Arguments: data folder, round, seed, events to preload before replacing {@code finder} (0: none). */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int round = Integer.parseInt(args[1]);
    Random random = new Random(Long.parseLong(args[2]));
    int preload = Integer.parseInt(args[3]);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    log.create(new StreamSpec("products", StreamKind.TABLE, "id", 3), true);
    log.create(new StreamSpec("brands", StreamKind.TABLE, "brand_id", 1), true);
    Engine engine = Engine.open(log, dir.resolve("views"));
    create(engine, "CREATE INDEX IF NOT EXISTS " + BY_CATEGORY + " ON (" + PIPELINE + ") (category)");
    if (engine.view(FINDER).isEmpty()) {
      create(engine, finder(0));
    }
    say(out, "ready");
    if (preload > 0) {
      for (int i = 0; i < preload; i += PRELOAD_REQUEST_EVENTS) {
        append(log, "products", products(random, Math.min(PRELOAD_REQUEST_EVENTS, preload - i)));
      }
      long version = create(engine, finder(round)).version();
      say(out, "building v" + version);
      Thread appender = Thread.ofPlatform().daemon().start(() -> appendForever(log, out, random));
      double reported = 0;
      while (appender.isAlive()) {
        ViewStatus serving = engine.view(FINDER).orElseThrow();
        if (serving.version() == version) {
          say(out, "built");
          break;
        }
        ViewStatus building = serving.replacing();
        if (building != null && building.progress() > reported && building.progress() < 1) {
          reported = building.progress();
          say(out, "progress " + reported);
        }
        Thread.sleep(1);
      }
      appender.join();
    } else {
      appendForever(log, out, random);
    }
  }

  private static ViewStatus create(Engine engine, String statement) {
    return engine.indexes().create(Indexes.Declaration.of(Parser.parseStatement(statement)).orElseThrow(), statement);
  }

  private static void appendForever(EmbeddedLog log, PrintStream out, Random random) {
    while (true) {
      List<Event> events;
      String stream;
      if (random.nextInt(8) == 0) {
        stream = "brands";
        String id = "b" + random.nextInt(BRANDS_MAX);
        String json = "{\"brand_id\":\"" + id + "\",\"brand\":\"" + (random.nextBoolean() ? "Acme" : "Zenith") + "\"}";
        events = List.of(new Event(id, null, null, List.of(), random.nextInt(10) == 0, json.getBytes(StandardCharsets.UTF_8)));
      } else {
        stream = "products";
        events = products(random, 1 + random.nextInt(20));
      }
      append(log, stream, events);
      say(out, "ack " + events.size());
    }
  }

  static List<Event> products(Random random, int n) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "p" + random.nextInt(PRODUCTS_MAX);
      StringBuilder title = new StringBuilder();
      for (int w = 0, words = 1 + random.nextInt(4); w < words; w++) {
        title.append(w == 0 ? "" : " ").append(WORDS.get(random.nextInt(WORDS.size())));
      }
      String category = random.nextInt(10) == 0 ? "null" : "\"" + CATEGORIES.get(random.nextInt(CATEGORIES.size())) + "\"";
      String json = "{\"id\":\"" + id + "\",\"brand_id\":\"b" + random.nextInt(BRANDS_MAX) + "\",\"title\":\"" + title
          + "\",\"category\":" + category + "}";
      events.add(new Event(id, null, null, List.of(), random.nextInt(8) == 0, json.getBytes(StandardCharsets.UTF_8)));
    }
    return events;
  }

  private static void append(EmbeddedLog log, String stream, List<Event> events) {
    try {
      log.append(stream, events).get(60, TimeUnit.SECONDS);
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
}
