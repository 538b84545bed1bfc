package dev.sluice.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "read", mixinStandardHelpOptions = true, description = "Print the events of one partition of a stream as NDJSON.")
final class ReadCommand implements Callable<Integer> {
  private static final int CHUNK_BYTES = 64 * 1024;

  @ParentCommand Main main;
  @Mixin ServerUrl server;

  @Parameters(index = "0", paramLabel = "STREAM")
  String stream;

  @Option(names = "--partition", paramLabel = "P", defaultValue = "0", description = "the partition (default 0)")
  int partition;

  @Option(names = "--from", paramLabel = "OFFSET", defaultValue = "0", description = "the first offset (default 0)")
  long from;

  @Option(names = "--limit", paramLabel = "N", description = "at most N events (default 1000; unlimited with --follow)")
  Integer limit;

  @Option(names = {"-f", "--follow"}, description = "keep printing new events as they are appended")
  boolean follow;

  @Override
  public Integer call() {
    String path = "/streams/" + SluiceClient.segment(stream) + "/events?partition=" + partition + "&from=" + from
        + (limit == null ? "" : "&limit=" + limit) + (follow ? "&follow=true" : "");
    SluiceClient client = server.client();
    try (InputStream events = client.stream(path)) {
      byte[] chunk = new byte[CHUNK_BYTES];
      int n;
      while ((n = events.read(chunk)) >= 0) {
        main.out.write(chunk, 0, n);
        // Each chunk is shown as it arrives, which is what following is for.
        main.out.flush();
      }
    } catch (IOException e) {
      throw client.unreachable(e);
    }
    return 0;
  }
}
