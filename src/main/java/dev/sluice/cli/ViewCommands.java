package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import dev.sluice.server.EventStreamReader;

/** {@code get}, {@code scan} and {@code query}: reading derived state from the command line. */
final class ViewCommands {
  private ViewCommands() {}

  /** Query-string members shared by reads of rows: read-your-writes. */
  static String afterParams(String after, Long timeoutMs) {
    List<String> params = new ArrayList<>();
    if (after != null) {
      params.add("after=" + SluiceClient.segment(after));
    }
    if (timeoutMs != null) {
      params.add("timeout_ms=" + timeoutMs);
    }
    return String.join("&", params);
  }

  static String query(List<String> params) {
    params.removeIf(String::isEmpty);
    return params.isEmpty() ? "" : "?" + String.join("&", params);
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Print one row of a view, by key (JSON for composite keys).")
  static final class Get implements Callable<Integer> {
    @ParentCommand Main main;
    @Mixin ServerUrl server;

    @Parameters(index = "0", paramLabel = "VIEW") String view;
    @Parameters(index = "1", paramLabel = "KEY") String key;

    @Option(names = "--after", paramLabel = "TOKEN", description = "wait until the view includes this token (from an append)")
    String after;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "how long --after may wait")
    Long timeoutMs;

    @Override
    public Integer call() {
      // A view answers its row; an index answers every row with that value, a page at a time.
      String cursor = null;
      do {
        List<String> params = new ArrayList<>(List.of(afterParams(after, timeoutMs)));
        if (cursor != null) {
          params.add("cursor=" + SluiceClient.segment(cursor));
        }
        SluiceClient.Page page = server.client().getPage(
            "/views/" + SluiceClient.segment(view) + "/rows/" + SluiceClient.segment(key) + query(params), NEXT_CURSOR);
        if (page.json().isArray()) {
          page.json().forEach(row -> main.out.println(row.toString()));
        } else {
          main.out.println(page.json().toString());
        }
        cursor = page.header();
      } while (cursor != null);
      return 0;
    }
  }

  /** The header with which an index lookup names its next page. */
  static final String NEXT_CURSOR = "Sluice-Next-Cursor";

  @Command(name = "search", mixinStandardHelpOptions = true,
      description = "Search a search index (Lucene query syntax): one hit a line, best first, then the total and facet counts.")
  static final class Search implements Callable<Integer> {
    @ParentCommand Main main;
    @Mixin ServerUrl server;

    @Parameters(index = "0", paramLabel = "INDEX") String index;
    @Parameters(index = "1", paramLabel = "QUERY", description = "e.g. 'title:lamp AND brass', '\"desk lamp\"', 'lam*', 'lamb~1'") String q;

    @Option(names = "--limit", defaultValue = "10", description = "hits to show (default ${DEFAULT-VALUE})") int limit;
    @Option(names = "--offset", defaultValue = "0", description = "hits to skip") int offset;
    @Option(names = "--facets", paramLabel = "F1,F2", description = "facet fields to count") String facets;
    @Option(names = "--json", description = "print the answer as the server gives it") boolean json;
    @Option(names = "--after", paramLabel = "TOKEN", description = "wait until the index includes this token") String after;
    @Option(names = "--timeout-ms", paramLabel = "MS", description = "how long --after may wait") Long timeoutMs;

    @Override
    public Integer call() {
      List<String> params = new ArrayList<>();
      params.add("q=" + SluiceClient.segment(q));
      params.add("limit=" + limit);
      params.add("offset=" + offset);
      if (facets != null) {
        params.add("facets=" + SluiceClient.segment(facets));
      }
      params.add(afterParams(after, timeoutMs));
      JsonNode answer = server.client().get("/views/" + SluiceClient.segment(index) + "/search" + query(params));
      if (json) {
        main.out.println(answer.toString());
        return 0;
      }
      for (JsonNode hit : answer.path("hits")) {
        main.out.printf("%.3f  %s  %s%n", hit.path("score").asDouble(), hit.path("key"), hit.path("row"));
        hit.path("highlights").properties().forEach(e ->
            main.out.println("       " + e.getKey() + ": " + e.getValue().asText().replace('\n', ' ')));
      }
      main.out.println(answer.path("total").asLong() + " hits");
      answer.path("facets").properties().forEach(e -> main.out.println(e.getKey() + ": " + e.getValue()));
      return 0;
    }
  }

  @Command(name = "scan", mixinStandardHelpOptions = true, description = "Print a view's rows in key order, one JSON object a line.")
  static final class Scan implements Callable<Integer> {
    @ParentCommand Main main;
    @Mixin ServerUrl server;

    @Parameters(index = "0", paramLabel = "VIEW") String view;

    @Option(names = "--prefix", description = "only keys starting with this text") String prefix;
    @Option(names = "--from", description = "first key (inclusive)") String from;
    @Option(names = "--to", description = "last key (exclusive)") String to;
    @Option(names = "--limit", defaultValue = "100", description = "at most this many rows (default ${DEFAULT-VALUE})") int limit;
    @Option(names = "--after", paramLabel = "TOKEN", description = "wait until the view includes this token") String after;
    @Option(names = "--timeout-ms", paramLabel = "MS", description = "how long --after may wait") Long timeoutMs;

    @Override
    public Integer call() {
      List<String> params = new ArrayList<>();
      if (prefix != null) {
        params.add("prefix=" + SluiceClient.segment(prefix));
      }
      if (from != null) {
        params.add("from=" + SluiceClient.segment(from));
      }
      if (to != null) {
        params.add("to=" + SluiceClient.segment(to));
      }
      params.add("limit=" + limit);
      params.add(afterParams(after, timeoutMs));
      for (JsonNode row : server.client().get("/views/" + SluiceClient.segment(view) + "/rows" + query(params))) {
        main.out.println(row.toString());
      }
      return 0;
    }
  }

  @Command(name = "query", mixinStandardHelpOptions = true, description = "Run an ad-hoc pipeline over the log's history and print its rows.")
  static final class Query implements Callable<Integer> {
    @ParentCommand Main main;
    @Mixin ServerUrl server;

    @Parameters(index = "0", paramLabel = "PIPELINE", description = "FROM … |> …") String pipeline;

    @Option(names = "--follow", description = "print the rows of events appended from now on, as they arrive (WHERE, SELECT, EXTEND only)")
    boolean follow;

    @Option(names = "--count", paramLabel = "N", description = "with --follow: stop after N rows") Long count;

    @Option(names = "--after", paramLabel = "TOKEN", description = "answer once the server's log holds the events of TOKEN"
        + " (an append's token, through any instance of a cluster)")
    String after;

    @Override
    public Integer call() throws java.io.IOException {
      if (follow) {
        return follow();
      }
      String[] exec = after == null ? new String[] {"exec", "--url", server.client().url(), pipeline}
          : new String[] {"exec", "--url", server.client().url(), "--after", after, pipeline};
      return Main.run(exec, main.in, main.out, main.err);
    }

    private int follow() throws java.io.IOException {
      long rows = 0;
      try (var in = server.client().stream("/query?follow=true&q=" + SluiceClient.segment(pipeline));
          EventStreamReader events = new EventStreamReader(in)) {
        EventStreamReader.ServerEvent e;
        while ((e = events.next()) != null) {
          if (e.name().equals("row")) {
            main.out.println(e.data());
            main.out.flush();
            if (count != null && ++rows >= count) {
              return 0;
            }
          }
        }
      }
      throw new CliFailure("the server closed the stream");
    }
  }
}
