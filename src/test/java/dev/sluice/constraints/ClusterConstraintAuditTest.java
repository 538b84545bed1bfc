package dev.sluice.constraints;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.log.Event;
import dev.sluice.log.Position;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ConstraintAudit#runCluster}'s replay of the claims against the decisions a real claims
 * processor made: they agree, with rejections and a table row's release across claims partitions;
 * a decision the claims before it do not make, a missing release and a release no accepted claim
 * sends are named.
 */
class ClusterConstraintAuditTest {
  @TempDir Path data;

  private static Event user(String id, String name) {
    return Event.of(id, ("{\"user_id\":\"" + id + "\",\"username\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  private static void claim(Constraints constraints, Constraint c, String id, String name) throws Exception {
    constraints.claim(c, List.of(user(id, name))).get();
    assertThat(constraints.awaitIdle(c, System.nanoTime() + 30_000_000_000L)).as("the claim of %s decided", name).isTrue();
  }

  /** The catalog's declaration of {@code c}, seeded from an empty stream. */
  private static Map<String, byte[]> declared(Constraint c) {
    ObjectNode node = Claim.JSON.createObjectNode();
    node.set("constraint", Claim.JSON.valueToTree(c));
    node.putArray("cut").add(0L).add(0L);
    node.put("dropping", false);
    return Map.of("constraint:" + c.name(), Claim.bytes(node));
  }

  @Test
  void theReplayAgreesWithTheProcessorAndNamesADecisionItDoesNotMakeAndAMissingRelease() throws Exception {
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults())) {
      log.create(new StreamSpec("users", StreamKind.TABLE, "user_id", 2), false);
      Constraint c;
      try (Constraints constraints = Constraints.open(log, data.resolve("constraints"))) {
        constraints.create("unique_username", "users", List.of("username"), false);
        c = constraints.on("users").orElseThrow();
        claim(constraints, c, "u1", "alice");
        claim(constraints, c, "u2", "alice"); // rejected
        claim(constraints, c, "u1", "alicia"); // accepted: releases alice, in alice's claims partition
        claim(constraints, c, "u2", "alice"); // accepted now
        claim(constraints, c, "u3", "bob");
        claim(constraints, c, "u4", "bob"); // rejected
      }

      ConstraintAudit.Result honest = ConstraintAudit.runCluster(log, declared(c));
      assertThat(honest.findings()).isEmpty();
      assertThat(honest.checked()).anyMatch(line -> line.startsWith("constraint 'unique_username': 6 decisions replayed in claim order"));

      // A claim of bob that a forged decision accepts: bob is held by u3.
      Position claim = log.append(c.claimsStream(), List.of(Claim.of(user("u5", "bob"), c).toEvent())).get().positions().get(0);
      Position event = log.append("users", List.of(new Event("u5", "claim/" + claim.partition() + "." + claim.offset(), null, List.of(),
          false, user("u5", "bob").value()))).get().positions().get(0);
      ObjectNode decision = Claim.JSON.createObjectNode();
      decision.put("constraint", c.name()).put("outcome", "accepted");
      decision.putObject("event").put("stream", "users").put("id", "claim/" + claim.partition() + "." + claim.offset())
          .put("partition", event.partition()).put("offset", event.offset());
      decision.putObject("claim").put("partition", claim.partition()).put("offset", claim.offset()).put("id", "@" + claim.partition() + "." + claim.offset());
      decision.put("key", "u5").put("delete", false).put("value", "bob");
      log.append(c.decisionsStream(), List.of(new Event("\"bob\"", "decision/" + claim.partition() + "." + claim.offset(), null,
          List.of(), false, Claim.bytes(decision)))).get();

      // A claim of a free value, rightly accepted, but whose releases were never written.
      Position carol = log.append(c.claimsStream(), List.of(Claim.of(user("u6", "carol"), c).toEvent())).get().positions().get(0);
      String carolId = "claim/" + carol.partition() + "." + carol.offset();
      Position carolEvent = log.append("users", List.of(new Event("u6", carolId, null, List.of(), false, user("u6", "carol").value())))
          .get().positions().get(0);
      ObjectNode accepted = Claim.JSON.createObjectNode();
      accepted.put("constraint", c.name()).put("outcome", "accepted");
      accepted.putObject("event").put("stream", "users").put("id", carolId).put("partition", carolEvent.partition()).put("offset", carolEvent.offset());
      accepted.putObject("claim").put("partition", carol.partition()).put("offset", carol.offset()).put("id", "@" + carol.partition() + "." + carol.offset());
      accepted.put("key", "u6").put("delete", false).put("value", "carol");
      log.append(c.decisionsStream(), List.of(new Event("\"carol\"", "decision/" + carol.partition() + "." + carol.offset(), null,
          List.of(), false, Claim.bytes(accepted)))).get();
      // And a release no accepted claim sends.
      log.append(c.claimsStream(), List.of(Claim.release(new Claim.Release("u9", null), "release/1.99/0", "u9"))).get();

      ConstraintAudit.Result forged = ConstraintAudit.runCluster(log, declared(c));
      assertThat(forged.findings()).anyMatch(f -> f.contains("the claim at offset " + claim.offset())
          && f.contains("is accepted, but the claims before it make it rejected (unique_username: username = \"bob\" is held by row 'u3')"));
      assertThat(forged.findings()).as("u5 and u3 both hold bob in the table").anyMatch(f -> f.contains("username = \"bob\" is held by"));
      assertThat(forged.findings()).contains("constraint 'unique_username': release 'release/1.99/0' in unique_username_claims"
          + " comes from no accepted claim");
      assertThat(forged.findings()).contains("constraint 'unique_username': release 'release/" + carol.partition() + "." + carol.offset()
          + "/" + (1 - carol.partition()) + "' of row 'u6' is not in unique_username_claims");
      assertThat(forged.findings()).as("carol's decision itself is right").noneMatch(f -> f.contains("offset " + carol.offset() + " (id"));
    }
  }
}
