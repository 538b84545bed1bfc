package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Prints the events of one partition. The server answers at most {@link #PAGE_EVENTS} events a
 * request, so a longer read goes on in pages, each from the offset after the last one printed.
 */
@Command(name = "read", mixinStandardHelpOptions = true, description = "Print the events of one partition of a stream as NDJSON.")
final class ReadCommand implements Callable<Integer> {
  private static final int CHUNK_BYTES = 64 * 1024;
  /** The most events the server sends for one request (its limit on {@code limit}). */
  static final int PAGE_EVENTS = 100_000;
  private static final int LIMIT_DEFAULT = 1000;

  @ParentCommand Main main;
  @Mixin ServerUrl server;

  @Parameters(index = "0", paramLabel = "STREAM")
  String stream;

  @Option(names = "--partition", paramLabel = "P", defaultValue = "0", description = "the partition (default 0)")
  int partition;

  @Option(names = "--from", paramLabel = "OFFSET", defaultValue = "0", description = "the first offset (default 0)")
  long from;

  @Option(names = "--limit", paramLabel = "N", description = "at most N events (default 1000; unlimited with --follow)")
  Long limit;

  @Option(names = {"-f", "--follow"}, description = "keep printing new events as they are appended")
  boolean follow;

  /** What the page being printed has shown: how many events, its last line, and that line's offset. */
  private long printed;
  private byte[] lastLine = new byte[0];
  private long lastOffset;
  private final ByteArrayOutputStream partialLine = new ByteArrayOutputStream();

  @Override
  public Integer call() {
    if (limit != null && limit < 1) {
      throw new CliFailure("--limit must be at least 1, got " + limit, Main.USAGE);
    }
    SluiceClient client = server.client();
    String path = "/streams/" + SluiceClient.segment(stream) + "/events?partition=" + partition;
    if (follow && limit == null) {
      print(client, path + "&from=" + from + "&follow=true");
      return 0;
    }
    long remaining = limit == null ? LIMIT_DEFAULT : limit;
    long next = from;
    while (remaining > 0) {
      long page = Math.min(remaining, PAGE_EVENTS);
      print(client, path + "&from=" + next + "&limit=" + page + (follow ? "&follow=true" : ""));
      remaining -= printed;
      if (printed < page) {
        break; // the end of the partition (or of the follow)
      }
      next = lastOffset + 1;
    }
    return 0;
  }

  /** Prints one answer as it arrives, counting its lines and keeping its last one. */
  private void print(SluiceClient client, String path) {
    printed = 0;
    partialLine.reset();
    try (InputStream events = client.stream(path)) {
      byte[] chunk = new byte[CHUNK_BYTES];
      int n;
      while ((n = events.read(chunk)) >= 0) {
        main.out.write(chunk, 0, n);
        // Each chunk is shown as it arrives, which is what following is for.
        main.out.flush();
        keepLastLine(chunk, n);
      }
    } catch (IOException e) {
      throw client.unreachable(e);
    }
    if (printed > 0) {
      lastOffset = offsetOf(lastLine);
    }
  }

  private void keepLastLine(byte[] chunk, int n) {
    int last = -1;
    for (int i = 0; i < n; i++) {
      if (chunk[i] == '\n') {
        printed++;
        last = i;
      }
    }
    if (last < 0) {
      partialLine.write(chunk, 0, n);
      return;
    }
    int previous = last - 1;
    while (previous >= 0 && chunk[previous] != '\n') {
      previous--;
    }
    if (previous < 0) {
      // The line began in an earlier chunk.
      partialLine.write(chunk, 0, last);
      lastLine = partialLine.toByteArray();
    } else {
      lastLine = Arrays.copyOfRange(chunk, previous + 1, last);
    }
    partialLine.reset();
    partialLine.write(chunk, last + 1, n - last - 1);
  }

  /** The offset the server wrote in an event's line, its {@code _offset}. */
  private static long offsetOf(byte[] line) {
    JsonNode offset = null;
    try {
      offset = SluiceClient.JSON.readTree(line).get("_offset");
    } catch (IOException notJson) {
      // Said below, with the line.
    }
    if (offset == null || !offset.canConvertToLong()) {
      throw new CliFailure("the server's line has no _offset: " + new String(line, StandardCharsets.UTF_8));
    }
    return offset.asLong();
  }
}
