package dev.sluice.constraints;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.EventLog;
import dev.sluice.log.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The constraints half of {@code sluice verify}, from the log alone: no value is held twice (by two
 * events of a stream, or two current rows of a table), every claim is decided at most once, and
 * every accepted claim's event is where its decision says, under the claim's id.
 */
public final class ConstraintAudit {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What was checked, what is still to decide, and what is wrong. */
  public record Result(List<String> checked, List<String> findings) {}

  private ConstraintAudit() {}

  /** Audits the constraints kept in {@code dir} (the engine's {@code constraints} folder). */
  public static Result run(EventLog log, Path dir) throws IOException {
    Path file = dir.resolve("constraints.json");
    if (!Files.exists(file)) {
      return new Result(List.of(), List.of());
    }
    List<String> checked = new ArrayList<>();
    List<String> findings = new ArrayList<>();
    for (Constraint c : JSON.readValue(file.toFile(), new TypeReference<List<Constraint>>() {})) {
      String name = "constraint '" + c.name() + "'";
      Map<String, Integer> decisions = new HashMap<>();
      Map<String, String> acceptedAt = new HashMap<>();
      for (Record d : all(log, c.decisionsStream())) {
        JsonNode value = Claim.parse(d.value());
        String claim = value.path("claim").path("partition").asInt() + "." + value.path("claim").path("offset").asLong();
        decisions.merge(claim, 1, Integer::sum);
        if (value.has("event")) {
          acceptedAt.put(value.path("event").path("partition").asInt() + "." + value.path("event").path("offset").asLong(),
              value.path("event").path("id").asText());
        }
      }
      int claims = 0;
      int undecided = 0;
      for (Record r : all(log, c.claimsStream())) {
        if (Claim.read(r) instanceof Claim) {
          claims++;
          int n = decisions.getOrDefault(r.partition() + "." + r.offset(), 0);
          if (n == 0) {
            undecided++;
          } else if (n > 1) {
            findings.add(name + ": the claim at " + c.claimsStream() + " partition " + r.partition() + " offset " + r.offset()
                + " (id '" + r.id() + "') was decided " + n + " times");
          }
        }
      }
      Map<String, String> rows = new LinkedHashMap<>();
      Map<String, List<String>> holders = new TreeMap<>();
      for (Record r : all(log, c.stream())) {
        String expectedId = acceptedAt.get(r.partition() + "." + r.offset());
        if (expectedId != null && !expectedId.equals(r.id())) {
          findings.add(name + ": " + c.stream() + " partition " + r.partition() + " offset " + r.offset() + " holds '" + r.id()
              + "' where a decision put '" + expectedId + "'");
        }
        String value = r.delete() ? null : Claim.valueText(Claim.parse(r.value()), c.fields());
        if (c.table()) {
          rows.remove(r.key());
          if (value != null) {
            rows.put(r.key(), value);
          }
        } else if (value != null) {
          holders.computeIfAbsent(value, v -> new ArrayList<>()).add(r.id());
        }
      }
      rows.forEach((key, value) -> holders.computeIfAbsent(value, v -> new ArrayList<>()).add(key));
      holders.forEach((value, who) -> {
        if (who.size() > 1) {
          findings.add(name + ": " + String.join(", ", c.fields()) + " = " + value + " is held by " + who);
        }
      });
      checked.add(name + " on " + c.stream() + ": " + claims + " claims, " + (claims - undecided) + " decided"
          + (undecided > 0 ? " (" + undecided + " still to decide when the server starts)" : "")
          + ", " + holders.size() + " values held once each");
    }
    return new Result(checked, findings);
  }

  private static List<Record> all(EventLog log, String stream) {
    List<Record> out = new ArrayList<>();
    int partitions = log.stream(stream).map(s -> s.partitions()).orElse(0);
    for (int p = 0; p < partitions; p++) {
      for (long from = 0; ; ) {
        List<Record> page = log.read(stream, p, from, 1000);
        if (page.isEmpty()) {
          break;
        }
        out.addAll(page);
        from = page.get(page.size() - 1).offset() + 1;
      }
    }
    return out;
  }
}
