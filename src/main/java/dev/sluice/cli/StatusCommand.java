package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    SluiceClient.Answer views = client.send(client.getRequest("/views"));
    if (views.ok() && views.json().size() > 0) {
      main.out.println();
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode view : views.json()) {
        String state = view.path("state").asText();
        if (view.has("progress")) {
          state += String.format(java.util.Locale.ROOT, " %.0f%%", view.path("progress").asDouble() * 100);
        }
        if (view.has("next_version")) {
          JsonNode next = view.get("next_version");
          state += String.format(java.util.Locale.ROOT, " (v%d %s %.0f%%)", next.path("version").asLong(),
              next.path("state").asText(), next.path("progress").asDouble(1) * 100);
        }
        rows.add(List.of(view.path("name").asText(), state, view.path("version").asText(), view.path("rows").asText(),
            view.path("lag").path("events").asText() + " events / " + view.path("lag").path("ms").asText() + " ms",
            view.path("events_per_s").asText(), view.path("dead_letters").asText()));
      }
      TextTable.print(List.of("view", "state", "version", "rows", "lag", "events/s", "dead letters"), rows, main.out);
    }
    return 0;
  }

  private static String uptime(Duration d) {
    if (d.toHours() > 0) {
      return d.toHours() + "h " + d.toMinutesPart() + "m";
    }
    return d.toMinutes() > 0 ? d.toMinutes() + "m " + d.toSecondsPart() + "s" : d.toSeconds() + "s";
  }
}
