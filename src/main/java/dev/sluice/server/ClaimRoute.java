package dev.sluice.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.constraints.Constraint;
import dev.sluice.constraints.Constraints;
import dev.sluice.log.AppendResult;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.Position;
import dev.sluice.log.Token;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Appends to a stream under a uniqueness constraint: the events become claims, acknowledged once
 * durable in the claims log; with {@code wait=outcome}, once each is decided, with its outcome.
 */
final class ClaimRoute {
  static final long TIMEOUT_MS_DEFAULT = 5_000;
  static final long TIMEOUT_MS_MAX = 300_000;

  private final Constraints constraints;

  ClaimRoute(Constraints constraints) {
    this.constraints = constraints;
  }

  boolean constrains(String stream) {
    return constraints.on(stream).isPresent();
  }

  byte[] append(String stream, List<Event> events, Params params) throws IOException {
    Constraint constraint = constraints.on(stream).orElseThrow();
    boolean wait = params.has("wait");
    if (wait && !"outcome".equals(params.text("wait"))) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "wait must be 'outcome', got '" + params.text("wait") + "'");
    }
    long timeoutMs = params.number("timeout_ms", TIMEOUT_MS_DEFAULT, 0, TIMEOUT_MS_MAX);
    AppendResult claimed;
    try {
      claimed = constraints.claim(constraint, events).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
    List<JsonNode> outcomes = new ArrayList<>();
    if (wait) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
      try {
        for (Position p : claimed.positions()) {
          Optional<JsonNode> outcome = constraints.awaitOutcome(constraint, p, deadline);
          if (outcome.isEmpty()) {
            throw new LogException(ErrorCode.TIMEOUT, "the claims are durable but not all were decided within " + timeoutMs
                + " ms; ask again with the same _id to wait for their outcome");
          }
          outcomes.add(outcome.get());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LogException(ErrorCode.TIMEOUT, "interrupted while waiting for the claims' outcome");
      }
    }
    return answer(constraint, claimed, outcomes);
  }

  /**
   * Each entry of {@code positions} names its claim; with outcomes, also the outcome and, when
   * accepted, where the event landed in the stream — and the token then covers those positions.
   */
  private static byte[] answer(Constraint constraint, AppendResult claimed, List<JsonNode> outcomes) throws IOException {
    Token token = claimed.token();
    if (!outcomes.isEmpty()) {
      List<Position> accepted = new ArrayList<>();
      for (JsonNode o : outcomes) {
        if (o.has("partition")) {
          accepted.add(new Position(o.get("partition").asInt(), o.get("offset").asLong(), false));
        }
      }
      token = token.merge(Token.of(constraint.stream(), accepted));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator json = Responses.JSON.getFactory().createGenerator(bytes)) {
      json.writeStartObject();
      json.writeNumberField("appended", claimed.appended());
      json.writeNumberField("duplicates", claimed.duplicates());
      json.writeStringField("token", token.encode());
      json.writeArrayFieldStart("positions");
      for (int i = 0; i < claimed.positions().size(); i++) {
        Position claim = claimed.positions().get(i);
        json.writeStartObject();
        if (!outcomes.isEmpty()) {
          JsonNode o = outcomes.get(i);
          if (o.has("partition")) {
            json.writeNumberField("partition", o.get("partition").asInt());
            json.writeNumberField("offset", o.get("offset").asLong());
          }
          json.writeStringField("outcome", o.get("outcome").asText());
          if (o.has("reason")) {
            json.writeStringField("reason", o.get("reason").asText());
          }
        }
        json.writeBooleanField("duplicate", claim.duplicate());
        json.writeObjectFieldStart("claim");
        json.writeStringField("stream", constraint.claimsStream());
        json.writeNumberField("partition", claim.partition());
        json.writeNumberField("offset", claim.offset());
        json.writeEndObject();
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    }
    return bytes.toByteArray();
  }
}
