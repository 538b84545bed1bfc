package dev.sluice.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import dev.sluice.server.EventStreamReader;

/**
 * {@code sluice watch VIEW [KEY]}: prints a view's rows (a snapshot), then each change as it
 * happens, one JSON object a line. When the server ends the stream (the watcher fell behind, or the
 * view was replaced) it resumes from the last position it printed, so nothing is lost or repeated.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = "Print a view's rows, then its changes as they happen (one JSON object a line).")
final class WatchCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin ServerUrl server;

  @Parameters(index = "0", paramLabel = "VIEW") String view;
  @Parameters(index = "1", arity = "0..1", paramLabel = "KEY", description = "only this key (JSON for composite keys)") String key;

  @Option(names = "--prefix", description = "only keys starting with this text") String prefix;
  @Option(names = "--from", paramLabel = "POSITION", description = "changes after this position (an event's id) instead of a snapshot")
  String from;
  @Option(names = "--after", paramLabel = "TOKEN", description = "start once the view includes this token") String after;
  @Option(names = "--timeout-ms", paramLabel = "MS", description = "how long --after may wait") Long timeoutMs;
  @Option(names = "--count", paramLabel = "N", description = "stop after N changes (snapshot rows not counted)") Long count;

  @Override
  public Integer call() throws IOException {
    SluiceClient client = server.client();
    String position = from;
    long changes = 0;
    while (true) {
      List<String> params = new ArrayList<>(List.of(ViewCommands.afterParams(after, timeoutMs)));
      if (key != null) {
        params.add("key=" + SluiceClient.segment(key));
      }
      if (prefix != null) {
        params.add("prefix=" + SluiceClient.segment(prefix));
      }
      if (position != null) {
        params.add("from=" + SluiceClient.segment(position));
      }
      boolean resume = false;
      try (InputStream in = client.stream("/views/" + SluiceClient.segment(view) + "/changes" + ViewCommands.query(params));
          EventStreamReader events = new EventStreamReader(in)) {
        EventStreamReader.ServerEvent e;
        while ((e = events.next()) != null) {
          if (e.id() != null) {
            position = e.id();
          }
          switch (e.name()) {
            case "snapshot", "change" -> {
              main.out.println(e.data());
              main.out.flush();
              if (e.name().equals("change") && count != null && ++changes >= count) {
                return 0;
              }
            }
            case "overflow", "ended" -> resume = true;
            default -> { }
          }
        }
      }
      if (!resume) {
        throw new CliFailure("the server closed the stream");
      }
    }
  }
}
