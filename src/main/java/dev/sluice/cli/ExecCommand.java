package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "exec", mixinStandardHelpOptions = true, description = "Run statements (';'-separated) and print their results.")
final class ExecCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin ServerUrl server;

  @Parameters(arity = "0..1", paramLabel = "STATEMENTS", description = "the statements to run")
  String statements;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "read the statements from FILE ('-' for stdin)")
  Path file;

  @Option(names = "--wait", description = "after creating views, wait until each is live, with a progress bar")
  boolean await;

  @Option(names = "--after", paramLabel = "TOKEN", description = "run queries once the server's log holds the events of TOKEN"
      + " (an append's token, through any instance of a cluster)")
  String after;

  @Override
  public Integer call() throws IOException {
    if ((statements == null) == (file == null)) {
      throw new CliFailure("give the statements, or -f FILE, but not both", Main.USAGE);
    }
    byte[] text = statements != null ? statements.getBytes(StandardCharsets.UTF_8) : read(file);
    JsonNode results = server.client().post("/statements" + (after == null ? "" : "?after="
        + java.net.URLEncoder.encode(after, StandardCharsets.UTF_8)), text, "text/plain; charset=utf-8");
    List<String> views = new ArrayList<>();
    for (JsonNode result : results) {
      print(result);
      if (result.has("view") && result.path("created").asBoolean()) {
        views.add(result.get("view").asText());
      }
    }
    if (await) {
      for (String view : views) {
        new BuildProgress(server.client(), main.err).awaitLive(view);
      }
    }
    return 0;
  }

  private byte[] read(Path path) throws IOException {
    if (path.toString().equals("-")) {
      return main.in.readAllBytes();
    }
    if (!Files.isReadable(path)) {
      throw new CliFailure("cannot read " + path);
    }
    return Files.readAllBytes(path);
  }

  /** A query's rows as a table whose columns are the rows' members, in order of first appearance. */
  private void printQuery(JsonNode result) {
    java.util.LinkedHashSet<String> columns = new java.util.LinkedHashSet<>();
    result.get("rows").forEach(row -> row.fieldNames().forEachRemaining(columns::add));
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode row : result.get("rows")) {
      List<String> cells = new ArrayList<>();
      for (String column : columns) {
        JsonNode cell = row.path(column);
        cells.add(cell.isMissingNode() || cell.isNull() ? "" : cell.isValueNode() ? cell.asText() : cell.toString());
      }
      rows.add(cells);
    }
    TextTable.print(new ArrayList<>(columns), rows, main.out);
    main.out.println("(" + rows.size() + " rows" + (result.path("dead_letters").asLong() > 0
        ? ", " + result.path("dead_letters").asLong() + " events could not be processed" : "") + ")");
  }

  /** Rows as a table; an acknowledgement as one line. */
  private void print(JsonNode result) {
    if (result.has("columns") && result.has("rows")) {
      List<String> columns = new ArrayList<>();
      result.get("columns").forEach(c -> columns.add(c.asText()));
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode row : result.get("rows")) {
        List<String> cells = new ArrayList<>();
        row.forEach(cell -> cells.add(cell.isNull() ? "" : cell.asText()));
        rows.add(cells);
      }
      TextTable.print(columns, rows, main.out);
      return;
    }
    String statement = result.path("statement").asText("OK");
    if (statement.equals("QUERY")) {
      printQuery(result);
      return;
    }
    if (result.has("created")) {
      String what = result.has("view") ? result.path("view").asText() + " (version " + result.path("version").asLong() + ")"
          : result.has("constraint") ? result.path("constraint").asText() : result.path("stream").asText();
      main.out.println(statement + " " + what + ": " + (result.get("created").asBoolean() ? "created" : "exists already, unchanged"));
      return;
    }
    StringBuilder line = new StringBuilder(statement);
    for (Iterator<Map.Entry<String, JsonNode>> it = result.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      if (!member.getKey().equals("statement")) {
        line.append(' ').append(member.getKey()).append('=').append(member.getValue().isTextual()
            ? member.getValue().asText() : member.getValue().toString());
      }
    }
    main.out.println(line);
  }
}
