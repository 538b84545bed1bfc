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
      check(log, c, checked, findings);
    }
    return new Result(checked, findings);
  }

  /**
   * Audits the constraints of a cluster (docs/kafka.md "Constraints on a cluster"), declared in its
   * catalog: {@code declarations} maps each {@code constraint:<name>} key to its declaration. Beside
   * the checks of {@link #run}, every claims partition is replayed in log order from the seed (the
   * constrained stream up to the declaration's cut): each decision in the decisions partition must
   * be the one the replay makes for the next claim, and each accepted table claim's releases must be
   * in the other claims partitions.
   */
  public static Result runCluster(EventLog log, Map<String, byte[]> declarations) {
    List<String> checked = new ArrayList<>();
    List<String> findings = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : declarations.entrySet()) {
      Constraint c;
      List<Long> cut = new ArrayList<>();
      try {
        JsonNode node = JSON.readTree(e.getValue());
        c = JSON.treeToValue(node.get("constraint"), Constraint.class);
        node.path("cut").forEach(n -> cut.add(n.asLong()));
      } catch (IOException | RuntimeException x) {
        findings.add("the catalog's '" + e.getKey() + "' is not a constraint's declaration: " + x.getMessage());
        continue;
      }
      String name = "constraint '" + c.name() + "'";
      List<String> missing = new ArrayList<>();
      for (String stream : List.of(c.stream(), c.claimsStream(), c.decisionsStream())) {
        if (log.stream(stream).isEmpty()) {
          missing.add(stream);
        }
      }
      if (!missing.isEmpty()) {
        findings.add(name + ": the streams " + missing + " it needs are not declared");
        continue;
      }
      if (cut.size() != c.partitions()) {
        findings.add(name + ": its seed cut has " + cut.size() + " positions for " + c.partitions() + " partitions");
        continue;
      }
      try {
        check(log, c, checked, findings);
        checked.add(new Replay(log, c, cut, findings).run());
      } catch (RuntimeException x) {
        findings.add(name + ": cannot be audited: " + x.getMessage());
      }
    }
    return new Result(checked, findings);
  }

  /**
   * The decisions of a cluster's constraint made again, claims partition by claims partition, by
   * code of its own: what the owner of each partition must have decided, in log order.
   */
  private static final class Replay {
    private final EventLog log;
    private final Constraint c;
    private final List<Long> cut;
    private final List<String> findings;
    private final String name;
    /** Release id → the release a decided, accepted table claim sends. */
    private final Map<String, Claim.Release> expectedReleases = new TreeMap<>();
    /** Release id → the release in the claims log. */
    private final Map<String, Claim.Release> releases = new HashMap<>();

    Replay(EventLog log, Constraint c, List<Long> cut, List<String> findings) {
      this.log = log;
      this.c = c;
      this.cut = cut;
      this.findings = findings;
      this.name = "constraint '" + c.name() + "'";
    }

    String run() {
      Map<String, List<String>> seed = Constraints.holders(log, c, cut);
      long decided = 0;
      for (int p = 0; p < c.partitions(); p++) {
        decided += partition(p, seed);
      }
      int missing = 0;
      for (Map.Entry<String, Claim.Release> e : expectedReleases.entrySet()) {
        Claim.Release found = releases.remove(e.getKey());
        if (found == null) {
          if (missing++ < 10) {
            findings.add(name + ": release '" + e.getKey() + "' of row '" + e.getValue().rowKey() + "' is not in " + c.claimsStream());
          }
        } else if (!found.equals(e.getValue())) {
          findings.add(name + ": release '" + e.getKey() + "' releases " + found + " where its claim releases " + e.getValue());
        }
      }
      if (missing > 10) {
        findings.add(name + ": " + (missing - 10) + " more releases are missing");
      }
      releases.keySet().stream().sorted().limit(10).forEach(id ->
          findings.add(name + ": release '" + id + "' in " + c.claimsStream() + " comes from no accepted claim"));
      return name + ": " + decided + " decisions replayed in claim order from the seed cut " + cut + ", "
          + expectedReleases.size() + " releases checked";
    }

    /** Replays claims partition {@code p}; the number of decisions compared. */
    private long partition(int p, Map<String, List<String>> seed) {
      Map<String, String> hold = new HashMap<>();
      Map<String, java.util.Set<String>> rows = new HashMap<>();
      seed.forEach((value, who) -> {
        if (dev.sluice.log.Partitioner.partition(value, c.partitions()) == p) {
          hold.put(value, who.get(0));
          if (c.table()) {
            rows.computeIfAbsent(who.get(0), k -> new java.util.TreeSet<>()).add(value);
          }
        }
      });
      List<Record> decisions = read(c.decisionsStream(), p);
      int next = 0;
      boolean inOrder = true;
      for (Record record : read(c.claimsStream(), p)) {
        Object what;
        try {
          what = Claim.read(record);
        } catch (RuntimeException e) {
          findings.add(name + ": " + c.claimsStream() + " partition " + p + " offset " + record.offset() + " is neither a claim nor a release");
          inOrder = false;
          break;
        }
        if (what instanceof Claim.Release release) {
          releases.put(record.id(), release);
          release(hold, rows, release);
          continue;
        }
        Claim claim = (Claim) what;
        String reason = claim.delete() ? null : conflict(hold, claim);
        String acceptedId = claim.clientId() != null ? claim.clientId() : "claim/" + p + "." + record.offset();
        boolean decidedHere = next < decisions.size();
        if (decidedHere && inOrder) {
          Record d = decisions.get(next++);
          String problem = compare(d, p, record, reason, acceptedId);
          if (problem != null) {
            findings.add(name + ": " + c.decisionsStream() + " partition " + p + " offset " + d.offset() + ": " + problem);
            inOrder = !problem.startsWith("decides");
          }
        }
        if (reason == null) {
          if (c.table()) {
            String keep = claim.delete() ? null : claim.valueText();
            Claim.Release release = new Claim.Release(claim.rowKey(), keep);
            release(hold, rows, release);
            if (decidedHere) {
              for (int q = 0; q < c.partitions(); q++) {
                if (q != p) {
                  expectedReleases.put("release/" + p + "." + record.offset() + "/" + q, release);
                }
              }
            }
            if (keep != null) {
              rows.computeIfAbsent(claim.rowKey(), k -> new java.util.TreeSet<>()).add(keep);
            }
          }
          if (claim.valueText() != null) {
            hold.put(claim.valueText(), c.table() ? claim.rowKey() : acceptedId);
          }
        }
      }
      if (inOrder && next < decisions.size()) {
        findings.add(name + ": " + c.decisionsStream() + " partition " + p + " holds " + (decisions.size() - next)
            + " decisions past the last claim of " + c.claimsStream() + " partition " + p);
      }
      return next;
    }

    /** What is wrong with decision {@code d} of the claim at {@code claim}; null when it is the replay's. */
    private String compare(Record d, int p, Record claim, String reason, String acceptedId) {
      JsonNode decision;
      try {
        decision = Claim.parse(d.value());
      } catch (RuntimeException e) {
        return "decides nothing readable: " + e.getMessage();
      }
      int claimPartition = decision.path("claim").path("partition").asInt(-1);
      long claimOffset = decision.path("claim").path("offset").asLong(-1);
      if (claimPartition != p || claimOffset != claim.offset()) {
        return "decides the claim at partition " + claimPartition + " offset " + claimOffset + ", but the next claim in order is at"
            + " partition " + p + " offset " + claim.offset() + " (id '" + claim.id() + "'): the decisions of a partition follow its claims";
      }
      String outcome = decision.path("outcome").asText();
      String expected = reason == null ? "accepted" : "rejected";
      if (!outcome.equals(expected)) {
        return "the claim at offset " + claim.offset() + " (id '" + claim.id() + "') is " + outcome + ", but the claims before it make it "
            + expected + (reason == null ? "" : " (" + reason + ")");
      }
      if (reason != null && !reason.equals(decision.path("reason").asText())) {
        return "the claim at offset " + claim.offset() + " is rejected because \"" + decision.path("reason").asText()
            + "\", but the claims before it say \"" + reason + "\"";
      }
      if (reason == null && !acceptedId.equals(decision.path("event").path("id").asText())) {
        return "the claim at offset " + claim.offset() + " is accepted as '" + decision.path("event").path("id").asText()
            + "', not as '" + acceptedId + "'";
      }
      return null;
    }

    /** The rule of the owner of a claims partition (ClaimsProcessor): the first claim of a value wins, a table's row keeps its own. */
    private String conflict(Map<String, String> hold, Claim claim) {
      if (claim.valueText() == null) {
        return null;
      }
      String holder = hold.get(claim.valueText());
      if (holder == null || c.table() && holder.equals(claim.rowKey())) {
        return null;
      }
      return c.name() + ": " + String.join(", ", c.fields()) + " = " + claim.valueText()
          + " is held by " + (c.table() ? "row '" + holder + "'" : "event '" + holder + "'");
    }

    private static void release(Map<String, String> hold, Map<String, java.util.Set<String>> rows, Claim.Release release) {
      java.util.Set<String> values = rows.get(release.rowKey());
      if (values == null) {
        return;
      }
      for (String value : List.copyOf(values)) {
        if (value.equals(release.except())) {
          continue;
        }
        if (release.rowKey().equals(hold.get(value))) {
          hold.remove(value);
        }
        values.remove(value);
      }
      if (values.isEmpty()) {
        rows.remove(release.rowKey());
      }
    }

    private List<Record> read(String stream, int p) {
      List<Record> out = new ArrayList<>();
      for (long from = 0; ; ) {
        List<Record> page = log.read(stream, p, from, 1000);
        if (page.isEmpty()) {
          return out;
        }
        out.addAll(page);
        from = page.get(page.size() - 1).offset() + 1;
      }
    }
  }


  /** What is checked of every constraint: decided at most once, accepted events where decided, no value held twice. */
  private static void check(EventLog log, Constraint c, List<String> checked, List<String> findings) {
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
    Holdings holdings = new Holdings(c);
    for (Record r : all(log, c.stream())) {
      String expectedId = acceptedAt.get(r.partition() + "." + r.offset());
      if (expectedId != null && !expectedId.equals(r.id())) {
        findings.add(name + ": " + c.stream() + " partition " + r.partition() + " offset " + r.offset() + " holds '" + r.id()
            + "' where a decision put '" + expectedId + "'");
      }
      holdings.add(r);
    }
    Map<String, List<String>> holders = holdings.holders();
    holders.forEach((value, who) -> {
      if (who.size() > 1) {
        findings.add(name + ": " + String.join(", ", c.fields()) + " = " + value + " is held by " + who);
      }
    });
    checked.add(name + " on " + c.stream() + ": " + claims + " claims, " + (claims - undecided) + " decided"
        + (undecided > 0 ? " (" + undecided + " still to decide when the server starts)" : "")
        + ", " + holders.size() + " values held once each");
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
