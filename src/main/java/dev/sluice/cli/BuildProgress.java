package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.Locale;

/** Shows a view's build as a progress bar until it is live; a failed view fails the command. */
final class BuildProgress {
  private static final int BAR_WIDTH = 30;
  private static final long POLL_MS = 200;

  private final SluiceClient client;
  private final PrintStream err;

  BuildProgress(SluiceClient client, PrintStream err) {
    this.client = client;
    this.err = err;
  }

  void awaitLive(String view) {
    String path = "/views/" + SluiceClient.segment(view);
    while (true) {
      JsonNode status = client.get(path);
      // During CREATE OR REPLACE the version being built is the one to wait for.
      JsonNode building = status.has("next_version") ? status.get("next_version") : status;
      String state = building.path("state").asText();
      if (state.equals("failed")) {
        err.println();
        throw new CliFailure("view '" + view + "' failed: " + building.path("error").asText());
      }
      if (state.equals("live") && !status.has("next_version")) {
        err.printf(Locale.ROOT, "\r%s %s live: %,d rows%n", bar(1.0), view, status.path("rows").asLong());
        return;
      }
      double progress = building.path("progress").asDouble(0);
      err.printf(Locale.ROOT, "\r%s %3.0f%% building %s (version %d, %,d events behind)   ",
          bar(progress), progress * 100, view, building.path("version").asLong(), building.path("lag").path("events").asLong());
      err.flush();
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliFailure("interrupted");
      }
    }
  }

  private static String bar(double fraction) {
    int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * BAR_WIDTH);
    return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]";
  }
}
