package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code sluice lineage STREAM ID}: where an operation landed and what was derived from it. */
@Command(name = "lineage", mixinStandardHelpOptions = true,
    description = "Show where an operation (an event's _id) landed, the view rows it changed and the events it derived.")
final class LineageCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin ServerUrl server;

  @Parameters(index = "0", paramLabel = "STREAM") String stream;
  @Parameters(index = "1", paramLabel = "ID") String id;

  @Option(names = "--json", description = "print the server's JSON answer as it is")
  boolean json;

  @Override
  public Integer call() {
    List<String> segments = new ArrayList<>();
    for (String part : id.split("/", -1)) {
      segments.add(SluiceClient.segment(part));
    }
    JsonNode lineage = server.client().get("/lineage/" + SluiceClient.segment(stream) + "/" + String.join("/", segments));
    if (json) {
      main.out.println(lineage.toString());
      return 0;
    }
    main.out.println(stream + " " + lineage.path("id").asText() + " → partition " + lineage.path("partition").asInt()
        + " offset " + lineage.path("offset").asLong() + at(lineage));
    print(lineage, "  ");
    return 0;
  }

  private static String at(JsonNode node) {
    return node.has("time_ms") ? " (" + java.time.Instant.ofEpochMilli(node.path("time_ms").asLong()) + ")" : "";
  }

  private void print(JsonNode lineage, String indent) {
    if (lineage.has("causes")) {
      main.out.println(indent + "caused by " + lineage.get("causes"));
    }
    for (JsonNode view : lineage.path("views")) {
      String effect;
      if (!view.path("applied").asBoolean()) {
        effect = "not reached yet";
      } else if (view.path("keys").isEmpty()) {
        effect = "no row changed";
      } else {
        List<String> keys = new ArrayList<>();
        view.path("keys").forEach(k -> keys.add(k.toString()));
        effect = "changed " + String.join(", ", keys) + (view.has("more_keys") ? " and " + view.get("more_keys").asLong() + " more" : "");
      }
      main.out.println(indent + "view " + view.path("view").asText() + " v" + view.path("version").asLong() + ": " + effect);
    }
    for (JsonNode event : lineage.path("derived")) {
      main.out.println(indent + "derived " + event.path("stream").asText() + " " + event.path("id").asText()
          + " → partition " + event.path("partition").asInt() + " offset " + event.path("offset").asLong());
      print(event, indent + "  ");
    }
  }
}
