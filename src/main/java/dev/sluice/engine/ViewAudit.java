package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.log.StreamSpec;
import dev.sluice.operators.BatchEvaluator;
import dev.sluice.operators.Catalog;
import dev.sluice.operators.Input;
import dev.sluice.operators.Planner;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.SourceInfo;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The view half of {@code sluice verify}, on a stopped data folder: each view version's rows are
 * recomputed from the log as a batch ({@link BatchEvaluator}, a code path of its own, not the
 * incremental one that built them) over exactly the input positions its state says it reflects,
 * and compared row by row, and digest to digest, with what its store holds.
 */
public final class ViewAudit {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One disagreement; {@code key}, {@code expected} and {@code actual} are null when not about a row. */
  public record Finding(String view, String key, String expected, String actual, String problem) {
    public String describe() {
      if (key == null) {
        return "view '" + view + "': " + problem;
      }
      return "view '" + view + "' key " + key + ": " + problem + "; expected " + (expected == null ? "no row" : expected)
          + ", actual " + (actual == null ? "no row" : actual);
    }
  }

  /** A view version that was checked: its digest as recomputed and as stored. */
  public record Checked(String view, long version, long rows, String expectedDigest, String actualDigest) {}

  public record Result(List<Checked> checked, List<String> skipped, List<Finding> findings) {}

  private final EventLog log;
  private final List<Checked> checked = new ArrayList<>();
  private final List<String> skipped = new ArrayList<>();
  private final List<Finding> findings = new ArrayList<>();

  private ViewAudit(EventLog log) {
    this.log = log;
  }

  /** Audits every view in {@code viewsDir} (an engine's folder) against {@code log}. */
  public static Result run(EventLog log, Path viewsDir) throws IOException {
    ViewAudit audit = new ViewAudit(log);
    Path catalogFile = viewsDir.resolve("views.json");
    if (!Files.exists(catalogFile)) {
      return new Result(List.of(), List.of(), List.of());
    }
    JsonNode saved = JSON.readTree(catalogFile.toFile());
    List<ViewDefinition> definitions = new ArrayList<>();
    for (String list : List.of("serving", "replacing")) {
      for (JsonNode node : saved.path(list)) {
        definitions.add(JSON.treeToValue(node, ViewDefinition.class));
      }
    }
    try (KeyValueStore store = KeyValueStore.open(viewsDir.resolve("state"))) {
      List<String> spaces = store.spaceNames();
      for (ViewDefinition d : definitions) {
        if (d.derivedStream()) {
          audit.skipped.add(d.name() + " (a derived stream: its events are in the log and were checked with it)");
        } else if (d.index() != null) {
          audit.skipped.add(d.name() + " (an " + d.kind() + ": verify does not yet recompute index entries or search documents)");
        } else if (!spaces.contains(d.spaceName())) {
          audit.findings.add(new Finding(d.name(), null, null, null, "version " + d.version() + " has no state in the store"));
        } else {
          audit.view(d, store.space(d.spaceName()));
        }
      }
    }
    return new Result(List.copyOf(audit.checked), List.copyOf(audit.skipped), List.copyOf(audit.findings));
  }

  private void view(ViewDefinition d, Space space) {
    String name = d.name();
    Statement statement = Parser.parseStatement(d.pipelineText());
    if (!(statement instanceof Statement.Query query)) {
      findings.add(new Finding(name, null, null, null, "its definition is not a pipeline: " + d.pipelineText()));
      return;
    }
    Pipeline pipeline = query.pipeline();
    Catalog catalog = catalog(log);
    List<Input> inputs = new ArrayList<>();
    try {
      for (String source : Planner.plan(pipeline, catalog, d.pipelineText()).sources()) {
        StreamSpec spec = log.stream(source).orElseThrow();
        for (int p = 0; p < spec.partitions(); p++) {
          byte[] stored = space.get(Keys.position(source, p));
          long upTo = stored == null ? 0 : Keys.longOf(stored);
          long end = log.endOffset(source, p);
          if (upTo > end) {
            findings.add(new Finding(name, null, null, null, "its state reflects " + source + " partition " + p
                + " up to offset " + upTo + ", but the log holds readable events only up to " + end));
            return;
          }
          read(source, p, upTo, inputs);
        }
      }
    } catch (LogException e) {
      findings.add(new Finding(name, null, null, null, "cannot be recomputed: " + e.getMessage()));
      return;
    }
    Map<RowKey, String> expected = new TreeMap<>();
    long expectedDigest = 0;
    for (BatchEvaluator.KeyedRow row : BatchEvaluator.view(pipeline, catalog, d.pipelineText(), inputs).rows()) {
      byte[] json = row.row().toJson();
      expected.put(row.key(), new String(json, StandardCharsets.UTF_8));
      expectedDigest += ViewDigest.rowHash(row.key().bytes(), json);
    }
    Map<RowKey, String> actual = new TreeMap<>();
    space.scan(new byte[] {Keys.ROW}, new byte[] {Keys.ROW + 1}, (key, value) -> {
      actual.put(RowKey.fromBytes(Arrays.copyOfRange(key, 1, key.length)), new String(value, StandardCharsets.UTF_8));
      return true;
    });
    long actualDigest = ViewDigest.of(space);
    compare(name, expected, actual);
    if (expectedDigest != actualDigest && findings.stream().noneMatch(f -> f.view().equals(name))) {
      findings.add(new Finding(name, null, null, null, "digest " + ViewDigest.hex(actualDigest)
          + " of the stored rows differs from the recomputed " + ViewDigest.hex(expectedDigest)));
    }
    checkMeta(name, space, actualDigest, actual.size());
    checked.add(new Checked(name, d.version(), actual.size(), ViewDigest.hex(expectedDigest), ViewDigest.hex(actualDigest)));
  }

  private void read(String source, int partition, long upTo, List<Input> inputs) {
    for (long from = 0; from < upTo; ) {
      int limit = (int) Math.min(10_000, upTo - from);
      List<Record> page = log.read(source, partition, from, limit);
      if (page.isEmpty()) {
        throw new LogException(dev.sluice.log.ErrorCode.CORRUPT_PARTITION,
            source + " partition " + partition + " offset " + from + " cannot be read");
      }
      if (inputs.size() + page.size() > Engine.QUERY_EVENTS_MAX) {
        throw new LogException(dev.sluice.log.ErrorCode.INVALID_ARGUMENT, "its inputs hold more than "
            + Engine.QUERY_EVENTS_MAX + " events, more than verify recomputes in memory");
      }
      page.forEach(r -> inputs.add(Input.of(source, r)));
      from = page.get(page.size() - 1).offset() + 1;
    }
  }

  private void compare(String name, Map<RowKey, String> expected, Map<RowKey, String> actual) {
    for (Map.Entry<RowKey, String> e : expected.entrySet()) {
      String stored = actual.get(e.getKey());
      if (stored == null) {
        findings.add(new Finding(name, e.getKey().toString(), e.getValue(), null, "row missing"));
      } else if (!stored.equals(e.getValue())) {
        findings.add(new Finding(name, e.getKey().toString(), e.getValue(), stored, "row differs"));
      }
    }
    for (Map.Entry<RowKey, String> e : actual.entrySet()) {
      if (!expected.containsKey(e.getKey())) {
        findings.add(new Finding(name, e.getKey().toString(), null, e.getValue(), "row that the log does not derive"));
      }
    }
  }

  /** The counters the view keeps beside its rows must describe them. */
  private void checkMeta(String name, Space space, long digest, long rows) {
    byte[] meta = space.get(Keys.META);
    if (meta == null) {
      findings.add(new Finding(name, null, null, null, "its counters (meta) are missing"));
      return;
    }
    try {
      JsonNode node = JSON.readTree(meta);
      if (node.hasNonNull("digest") && ViewDigest.parse(node.get("digest").asText()) != digest) {
        findings.add(new Finding(name, null, null, null, "its checkpointed digest " + node.get("digest").asText()
            + " differs from the digest of its stored rows " + ViewDigest.hex(digest)));
      }
      if (node.path("rows").asLong() != rows) {
        findings.add(new Finding(name, null, null, null, "its row count says " + node.path("rows").asLong()
            + " but it holds " + rows + " rows"));
      }
    } catch (IOException e) {
      findings.add(new Finding(name, null, null, null, "its counters (meta) are unreadable: " + e.getMessage()));
    }
  }

  private static Catalog catalog(EventLog log) {
    List<SourceInfo> sources = new ArrayList<>();
    for (StreamSpec spec : log.streams()) {
      sources.add(new SourceInfo(spec.name(), spec.kind(), Optional.ofNullable(spec.keyField()), Optional.empty()));
    }
    return Catalog.of(sources);
  }
}
