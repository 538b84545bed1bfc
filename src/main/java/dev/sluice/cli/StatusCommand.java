package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show what the server is running and holding.")
final class StatusCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin ServerUrl server;

  @Override
  public Integer call() {
    SluiceClient client = server.client();
    JsonNode status = client.get("/status");
    JsonNode streams = status.path("streams");
    main.out.println("Sluice " + status.path("version").asText() + " at " + client.url()
        + ", up " + uptime(Duration.ofMillis(status.path("uptime_ms").asLong())));
    main.out.println("data       " + status.path("data_dir").asText("(not on disk)"));
    main.out.println("streams    " + streams.path("count").asLong() + " (" + streams.path("events").asLong()
        + " events, " + Sizes.bytes(streams.path("bytes").asLong()) + ")");
    main.out.println("followers  " + status.path("followers").asInt());
    return 0;
  }

  private static String uptime(Duration d) {
    if (d.toHours() > 0) {
      return d.toHours() + "h " + d.toMinutesPart() + "m";
    }
    return d.toMinutes() > 0 ? d.toMinutes() + "m " + d.toSecondsPart() + "s" : d.toSeconds() + "s";
  }
}
