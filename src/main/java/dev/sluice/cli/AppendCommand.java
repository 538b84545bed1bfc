package dev.sluice.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.log.Token;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Appends events given as arguments (one request), or NDJSON from stdin in batches. Batches go one
 * at a time, in input order, so the log keeps the input's order; the next batch is read while the
 * previous one is on its way. A rejected batch stops the load: the batches before it are appended,
 * it and the rest are not.
 */
@Command(name = "append", mixinStandardHelpOptions = true, description = "Append events: JSON arguments, or NDJSON on stdin.")
final class AppendCommand implements Callable<Integer> {
  /** The most events a request from stdin holds by default; the server takes up to 100,000. */
  static final int BATCH_EVENTS_DEFAULT = 10_000;
  private static final int BATCH_BYTES_MAX = 8 << 20;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "" + BATCH_EVENTS_DEFAULT,
      description = "events per request when reading stdin (default ${DEFAULT-VALUE}); each request is appended whole or not at all")
  int batch;

  @ParentCommand Main main;
  @Mixin ServerUrl server;

  @Parameters(index = "0", paramLabel = "STREAM")
  String stream;

  @Parameters(index = "1..*", paramLabel = "JSON", description = "events (objects or arrays of objects); none: read NDJSON from stdin")
  List<String> events;

  private SluiceClient client;
  private String path;
  private long appended;
  private long duplicates;
  private Token token = Token.empty();

  @Override
  public Integer call() throws IOException {
    if (batch < 1) {
      throw new CliFailure("--batch must be at least 1, got " + batch, Main.USAGE);
    }
    client = server.client();
    path = "/streams/" + SluiceClient.segment(stream) + "/events";
    if (events != null && !events.isEmpty()) {
      appendArguments(new JsonArguments(events));
      main.out.println("appended " + summary() + "; token " + token.encode());
    } else {
      Progress progress = new Progress(main.err);
      appendLines(progress);
      long elapsedNs = progress.elapsedNs();
      main.out.println(String.format(Locale.ROOT, "appended %s in %.1f s (%d/s); token %s", summary(),
          elapsedNs / 1e9, Progress.perSecond(appended + duplicates, elapsedNs), token.encode()));
    }
    return 0;
  }

  private String summary() {
    return appended + (appended == 1 ? " event" : " events") + " to " + stream
        + " (" + duplicates + (duplicates == 1 ? " duplicate)" : " duplicates)");
  }

  private void appendArguments(JsonArguments arguments) {
    SluiceClient.Answer answer = client.send(client.postRequest(path, arguments.body(), "application/json"));
    if (!answer.ok()) {
      JsonNode error = answer.error();
      int argument = error == null ? 0 : arguments.argumentOf(error.path("event").asInt(0));
      throw argument == 0 ? client.failure(answer)
          : new CliFailure("argument " + argument + ": " + error.path("detail").asText(error.path("message").asText()));
    }
    count(answer);
  }

  private void appendLines(Progress progress) throws IOException {
    LineBatches batches = new LineBatches(main.in, batch, BATCH_BYTES_MAX);
    LineBatches.Batch sending = null;
    CompletableFuture<SluiceClient.Answer> answer = null;
    LineBatches.Batch next;
    try {
      do {
        next = batches.next();
        if (answer != null) {
          settle(sending, client.await(answer));
          progress.update(appended + duplicates);
        }
        if (next != null) {
          sending = next;
          answer = client.sendAsync(client.postRequest(path, next.body(), "application/x-ndjson"));
        }
      } while (next != null);
    } finally {
      progress.finish();
    }
    if (sending == null) {
      // No events to send, but a wrong stream name is still worth saying.
      client.probe(path + "?limit=1");
    }
  }

  private void settle(LineBatches.Batch batch, SluiceClient.Answer answer) {
    if (!answer.ok()) {
      throw rejected(batch, answer);
    }
    count(answer);
  }

  /**
   * Adds up an append's answer, read token by token with its positions skipped: a batch of 10,000
   * events is answered with 10,000 positions, which the command does not print.
   */
  private void count(SluiceClient.Answer answer) {
    try (JsonParser json = SluiceClient.JSON.createParser(answer.body())) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw new CliFailure("the server's answer is not a JSON object: " + new String(answer.body(), StandardCharsets.UTF_8));
      }
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        String field = json.currentName();
        json.nextToken();
        switch (field) {
          case "appended" -> appended += json.getLongValue();
          case "duplicates" -> duplicates += json.getLongValue();
          case "token" -> token = token.merge(Token.decode(json.getText()));
          default -> json.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new CliFailure("the server's answer is not JSON: " + new String(answer.body(), StandardCharsets.UTF_8));
    }
  }

  /** Names the input line at fault when the server says which event it was. */
  private CliFailure rejected(LineBatches.Batch batch, SluiceClient.Answer answer) {
    JsonNode error = answer.error();
    if (error == null) {
      return client.failure(answer);
    }
    long sent = appended + duplicates;
    String before = sent == 0
        ? "nothing was appended"
        : "the " + sent + " events before line " + batch.firstLine() + " were appended, none from it on";
    int bodyLine = error.path("line").asInt(0);
    if (bodyLine >= 1 && bodyLine <= batch.events()) {
      return new CliFailure("line " + batch.lines()[bodyLine - 1] + " of the input: "
          + error.path("detail").asText(error.path("message").asText()) + " (" + before + ")");
    }
    String message = error.path("message").asText();
    return new CliFailure(sent == 0 ? message
        : "lines " + batch.firstLine() + "–" + batch.lastLine() + ": " + message + " (" + before + ")");
  }
}
