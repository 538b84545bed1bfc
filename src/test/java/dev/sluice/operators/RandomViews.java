package dev.sluice.operators;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Random;

/**
 * Random histories and random pipelines for the chapter's promise. Small value domains on purpose:
 * keys and groups collide, table rows are updated and deleted, join keys repeat, values mix
 * integers, decimals, NULLs and the odd string that makes an expression fail.
 */
final class RandomViews {
  static final Catalog CATALOG =
      Catalog.of(SourceInfo.stream("s1"), SourceInfo.stream("s2"), SourceInfo.table("t", "k"));

  private RandomViews() {}

  /** A log: events of s1, s2 and t; a key always lands in the same partition. */
  static List<Input> history(Random random, int size) {
    var offsets = new HashMap<String, Long>();
    var log = new ArrayList<Input>(size);
    for (var i = 0; i < size; i++) {
      var source = pick(random, "s1", "s1", "s2", "t", "t");
      var key = source.equals("t") ? "t" + random.nextInt(5) : "e" + random.nextInt(6);
      var partition = Math.floorMod(key.hashCode(), 2);
      var offset = offsets.merge(source + "/" + partition, 1L, Long::sum) - 1;
      var timeMs = random.nextInt(300_000);
      var delete = source.equals("t") && random.nextInt(4) == 0;
      var value = delete ? null : value(random, source).getBytes(StandardCharsets.UTF_8);
      log.add(
          new Input(source, partition, offset, key, source + i, timeMs, List.of(), delete, value));
    }
    return log;
  }

  private static String value(Random random, String source) {
    if (random.nextInt(40) == 0) {
      return "[\"not an object\"]";
    }
    var k = pick(random, "1", "2", "3", "2.0", "null");
    if (source.equals("t")) {
      return "{\"k\": %s, \"c\": %s, \"w\": %s}"
          .formatted(
              k, pick(random, "\"NL\"", "\"DE\"", "null"), pick(random, "1", "2", "0.5", "null"));
    }
    var v =
        pick(random, "0", "1", "2", "-3", "1.5", "2.50", "null", "9223372036854775807", "\"bad\"");
    // An escaped "x" and a non-ASCII group: read as values, not raw, by the in-place way.
    return "{\"k\": %s, \"g\": %s, \"v\": %s}"
        .formatted(k, pick(random, "\"x\"", "\"y\"", "\"z\"", "null", "\"x\"", "\"y\"", "\"\\u0078\"", "\"\u00e9\""), v);
  }

  /**
   * A stream filtered straight into an AGGREGATE, as {@code sluice bench views} runs it: the shape
   * a dataflow applies in place.
   */
  static String scannedAggregate(Random random) {
    var text = new StringBuilder("FROM s1");
    var filters = random.nextInt(3);
    for (var i = 0; i < filters; i++) {
      text.append(" |> WHERE ")
          .append(pick(random, "v > 0", "g = 'x'", "g <> 'y' AND v >= 1", "k = 2 OR v < 1", "v = 'bad'", "k <= 2.0"));
    }
    text.append(" |> AGGREGATE ").append(aggregates(random));
    text.append(pick(random, "", " GROUP BY g", " GROUP BY g", " GROUP BY k", " GROUP BY g, k"));
    return text.toString();
  }

  /** A pipeline over s1 or t of up to four operators, perhaps ending in an AGGREGATE. */
  static String pipeline(Random random) {
    if (random.nextInt(6) == 0) {
      return scannedAggregate(random);
    }
    var text = new StringBuilder(random.nextInt(3) == 0 ? "FROM t" : "FROM s1");
    // Whether rows can be retracted so far: only then may a window not cut late rows.
    var retracting = text.toString().equals("FROM t");
    var joined = false;
    var windowed = false;
    var ops = random.nextInt(5);
    for (var i = 0; i < ops; i++) {
      switch (random.nextInt(7)) {
        case 0 -> text.append(" |> WHERE ").append(condition(random));
        case 1 ->
            text.append(" |> EXTEND ")
                .append(
                    pick(
                        random,
                        "v * 2 AS v2",
                        "coalesce(g, 'none') AS g",
                        "CASE WHEN v > 0 THEN 'pos' ELSE 'neg' END AS sign, k + 1 AS k1"));
        case 2 -> {
          var all = random.nextBoolean();
          text.append(all ? " |> SELECT *" : " |> SELECT k, g, v, c, w");
          windowed &= all;
        }
        case 3 -> {
          text.append(
              pick(
                  random,
                  " |> JOIN t USING (k)",
                  " |> LEFT JOIN t USING (k)",
                  " |> LEFT JOIN t ON k = t.k",
                  " |> JOIN t ON g = t._key"));
          joined = true;
          retracting = true;
        }
        case 4 -> {
          var other = pick(random, "s2", "t", "s1");
          text.append(" |> UNION ALL (FROM ")
              .append(other)
              .append(random.nextBoolean() ? " |> WHERE " + condition(random) : "")
              .append(")");
          retracting |= other.equals("t");
        }
        case 5 -> {
          text.append(
              pick(
                  random,
                  " |> WINDOW TUMBLE(_time, INTERVAL 1 MINUTE)",
                  " |> WINDOW HOP(_time, INTERVAL 2 MINUTES, INTERVAL 1 MINUTE)"));
          if (!retracting) {
            // Histories span five minutes out of order, so these cut rows, the default does not.
            text.append(pick(random, "", " LATENESS INTERVAL 30 SECONDS", " LATENESS INTERVAL 0 SECONDS"));
          }
          windowed = true;
        }
        default -> text.append(" |> WHERE ").append(condition(random));
      }
    }
    if (random.nextInt(3) > 0) {
      text.append(" |> AGGREGATE ").append(aggregates(random));
      var groups = new ArrayList<>(List.of("", " GROUP BY g", " GROUP BY g, k"));
      if (windowed) {
        groups.add(" GROUP BY window_start");
      }
      if (joined) {
        groups.add(" GROUP BY c");
      }
      text.append(groups.get(random.nextInt(groups.size())));
      if (random.nextInt(4) == 0) {
        text.append(" |> WHERE n > 1");
      }
    }
    return text.toString();
  }

  private static String condition(Random random) {
    return pick(
        random,
        "v > 0",
        "g = 'x'",
        "v IS NOT NULL",
        "g IN ('x', 'y') OR v < 2",
        "NOT (v = 1)",
        "v + 1 > 0",
        "k BETWEEN 1 AND 2",
        "_time < '1970-01-01T00:02:30Z'");
  }

  private static String aggregates(Random random) {
    var all =
        new ArrayList<>(
            List.of(
                "count(v) AS cv",
                "count(DISTINCT g) AS dg",
                "sum(v) AS sv",
                "avg(v) AS av",
                "min(v) AS mn",
                "max(g) AS mx",
                "sum(v) / count(*) AS ratio"));
    java.util.Collections.shuffle(all, random);
    var chosen = new ArrayList<>(List.of("count(*) AS n"));
    chosen.addAll(all.subList(0, random.nextInt(all.size() + 1)));
    return String.join(", ", chosen);
  }

  /**
   * The log in another order a partitioned engine might process it in: each (source, partition)
   * keeps its own order, and the queues are interleaved at random.
   */
  static List<Input> interleave(List<Input> log, Random random) {
    var queues = new HashMap<String, ArrayList<Input>>();
    for (var input : log) {
      queues
          .computeIfAbsent(input.source() + "/" + input.partition(), q -> new ArrayList<>())
          .add(input);
    }
    var pending = new ArrayList<>(queues.values());
    var order = new ArrayList<Input>(log.size());
    while (!pending.isEmpty()) {
      var queue = pending.get(random.nextInt(pending.size()));
      order.add(queue.removeFirst());
      if (queue.isEmpty()) {
        pending.remove(queue);
      }
    }
    return order;
  }

  @SafeVarargs
  private static <T> T pick(Random random, T... choices) {
    return choices[random.nextInt(choices.length)];
  }
}
