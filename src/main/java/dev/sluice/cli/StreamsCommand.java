package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "streams", mixinStandardHelpOptions = true, description = "List the streams and tables with their partitions and sizes.")
final class StreamsCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin ServerUrl server;

  @Override
  public Integer call() {
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode stream : server.client().get("/streams")) {
      rows.add(List.of(stream.path("name").asText(), stream.path("kind").asText(), stream.path("key").asText(""),
          stream.path("partitions").asText(), stream.path("events").asText(),
          Sizes.bytes(stream.path("bytes").asLong()), stream.path("end_offsets").toString()));
    }
    TextTable.print(List.of("name", "kind", "key", "partitions", "events", "size", "end offsets"), rows, main.out);
    return 0;
  }
}
