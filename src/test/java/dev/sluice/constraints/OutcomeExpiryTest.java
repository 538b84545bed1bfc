package dev.sluice.constraints;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.Position;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outcomes kept for {@code ?wait=outcome} expire after their retention; what the constraint holds does not. */
class OutcomeExpiryTest {
  private static final long RETENTION_MS = 200;

  @TempDir Path data;

  @Test
  void anOutcomeOlderThanItsRetentionIsDeletedByALaterDecisionAndTheValueStaysHeld() throws Exception {
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults());
        Constraints constraints = Constraints.open(log, data.resolve("constraints"), RETENTION_MS)) {
      // One partition: every claim meets the same processor, whatever its value.
      log.create(new StreamSpec("users", StreamKind.TABLE, "user_id", 1), false);
      constraints.create("unique_username", "users", List.of("username"), false);
      Constraint c = constraints.on("users").orElseThrow();
      Position first = claim(constraints, c, "u1", "alice");
      assertThat(outcome(constraints, c, first)).as("the first outcome while it is kept").isPresent();

      Thread.sleep(RETENTION_MS * 2);
      Position second = claim(constraints, c, "u2", "bob");

      assertThat(outcome(constraints, c, second).orElseThrow().path("outcome").asText()).isEqualTo("accepted");
      assertThat(outcome(constraints, c, first)).as("the first outcome, expired by the second decision").isEmpty();
      Position third = claim(constraints, c, "u3", "alice");
      assertThat(outcome(constraints, c, third).orElseThrow().path("reason").asText())
          .as("alice is still held by u1").contains("is held by row 'u1'");
    }
  }

  private static Position claim(Constraints constraints, Constraint c, String user, String name) throws Exception {
    String json = "{\"user_id\":\"" + user + "\",\"username\":\"" + name + "\"}";
    AppendResult claimed = constraints.claim(c, List.of(Event.of(user, json.getBytes(StandardCharsets.UTF_8)))).get();
    Position p = claimed.positions().get(0);
    assertThat(constraints.awaitIdle(c, System.nanoTime() + 30_000_000_000L)).as("claim of %s decided", name).isTrue();
    return p;
  }

  private static Optional<JsonNode> outcome(Constraints constraints, Constraint c, Position p) throws InterruptedException {
    return constraints.awaitOutcome(c, p, System.nanoTime());
  }
}
