package dev.sluice.constraints;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.log.Event;
import dev.sluice.log.Position;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.stores.Folders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The claims processors, fed one claim at a time across their partitions, decide exactly as the
 * obvious sequential model does: a value is free or held by one row; a row keeps its own value,
 * and frees it when it takes another, takes none, or is deleted.
 */
class ConstraintModelPropertiesTest {

  /** A row takes a name (null: none), or is deleted. */
  record Op(int row, Integer name, boolean delete) {}

  @Provide
  Arbitrary<List<Op>> histories() {
    Arbitrary<Op> set = Combinators.combine(Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, 3).injectNull(0.1))
        .as((row, name) -> new Op(row, name, false));
    Arbitrary<Op> delete = Arbitraries.integers().between(0, 4).map(row -> new Op(row, null, true));
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, set), net.jqwik.api.Tuple.of(1, delete)).list().ofMinSize(1).ofMaxSize(25);
  }

  @Property(tries = 8)
  void decisionsEqualTheSequentialModel(@ForAll("histories") List<Op> history) throws Exception {
    Path dir = Files.createTempDirectory("sluice-constraint-model");
    EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    Constraints constraints = Constraints.open(log, dir.resolve("constraints"));
    try {
      log.create(new StreamSpec("users", StreamKind.TABLE, "user_id", 3), false);
      constraints.create("unique_name", "users", List.of("name"), false);
      Constraint c = constraints.on("users").orElseThrow();
      Map<Integer, Integer> heldBy = new HashMap<>();
      Map<Integer, Integer> rowHas = new HashMap<>();
      List<String> expected = new ArrayList<>();
      List<String> actual = new ArrayList<>();
      for (Op op : history) {
        expected.add(model(op, heldBy, rowHas));
        Position claim = constraints.claim(c, List.of(event(op))).get().positions().get(0);
        JsonNode outcome = constraints.awaitOutcome(c, claim, System.nanoTime() + 30_000_000_000L).orElseThrow();
        actual.add(outcome.path("outcome").asText());
      }
      assertThat(actual).as("outcomes of %s", history).isEqualTo(expected);
    } finally {
      constraints.close();
      log.close();
      Folders.delete(dir);
    }
  }

  private static String model(Op op, Map<Integer, Integer> heldBy, Map<Integer, Integer> rowHas) {
    if (!op.delete() && op.name() != null) {
      Integer holder = heldBy.get(op.name());
      if (holder != null && holder != op.row()) {
        return "rejected";
      }
    }
    Integer old = rowHas.remove(op.row());
    if (old != null) {
      heldBy.remove(old);
    }
    if (!op.delete() && op.name() != null) {
      heldBy.put(op.name(), op.row());
      rowHas.put(op.row(), op.name());
    }
    return "accepted";
  }

  private static Event event(Op op) {
    String row = "u" + op.row();
    if (op.delete()) {
      return new Event(row, null, null, List.of(), true, "{}".getBytes(StandardCharsets.UTF_8));
    }
    String name = op.name() == null ? "" : ",\"name\":\"n" + op.name() + "\"";
    return new Event(row, null, null, List.of(), false, ("{\"user_id\":\"" + row + "\"" + name + "}").getBytes(StandardCharsets.UTF_8));
  }
}
