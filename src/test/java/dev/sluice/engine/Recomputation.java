package dev.sluice.engine;

import dev.sluice.language.Parser;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.EventLog;
import dev.sluice.log.Record;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.operators.BatchEvaluator;
import dev.sluice.operators.Catalog;
import dev.sluice.operators.Input;
import dev.sluice.operators.Planner;
import dev.sluice.operators.SourceInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** The reference a view is checked against: its pipeline evaluated as a batch over the whole log. */
final class Recomputation {
  private Recomputation() {}

  /** Every event of every stream, each partition in offset order. */
  static List<Input> history(EventLog log) {
    List<Input> inputs = new ArrayList<>();
    for (StreamSpec spec : log.streams()) {
      for (int p = 0; p < spec.partitions(); p++) {
        for (long from = 0; ; ) {
          List<Record> page = log.read(spec.name(), p, from, 10_000);
          if (page.isEmpty()) {
            break;
          }
          page.forEach(r -> inputs.add(Input.of(spec.name(), r)));
          from = page.get(page.size() - 1).offset() + 1;
        }
      }
    }
    return inputs;
  }

  /** The rows of {@code pipelineText} over {@code history}, JSON by key, as {@link #rows} shows a view's. */
  static Map<String, String> batch(String pipelineText, EventLog log, List<Input> history) {
    Map<String, String> rows = new TreeMap<>();
    var result = BatchEvaluator.view(pipeline(pipelineText), catalog(log), pipelineText, history);
    for (BatchEvaluator.KeyedRow row : result.rows()) {
      rows.put(row.key().toString(), new String(row.row().toJson(), StandardCharsets.UTF_8));
    }
    return rows;
  }

  /** Every row of a view, JSON by key, once it includes {@code after} (null: at once). */
  static Map<String, String> rows(Engine engine, String view, Token after, java.time.Duration timeout) {
    Map<String, String> rows = new TreeMap<>();
    for (Engine.KeyedJson row : engine.scan(view, null, null, null, Integer.MAX_VALUE, after, timeout)) {
      rows.put(row.key().toString(), new String(row.json(), StandardCharsets.UTF_8));
    }
    return rows;
  }

  /** The token every event now in the log is below. */
  static Token endOf(EventLog log) {
    Token token = Token.empty();
    for (StreamSpec spec : log.streams()) {
      long[] ends = new long[spec.partitions()];
      for (int p = 0; p < ends.length; p++) {
        ends[p] = log.endOffset(spec.name(), p);
      }
      token = token.merge(Token.ofEnds(spec.name(), ends));
    }
    return token;
  }

  /**
   * Whether a view's digest checkpoint reflects every position below {@code end} of the streams
   * the view reads ({@code sources}). A stream the checkpoint's token does not name counts as read
   * to offset 0, so a checkpoint taken before the view read anything covers no appended event.
   */
  static boolean covers(DigestCheckpoint checkpoint, Token end, Set<String> sources) {
    Map<String, Map<Integer, Long>> has = Token.decode(checkpoint.token()).ends();
    for (String source : sources) {
      Map<Integer, Long> reached = has.getOrDefault(source, Map.of());
      for (Map.Entry<Integer, Long> p : end.ends().getOrDefault(source, Map.of()).entrySet()) {
        if (reached.getOrDefault(p.getKey(), 0L) < p.getValue()) {
          return false;
        }
      }
    }
    return true;
  }

  /** The streams and tables a pipeline reads. */
  static Set<String> sources(String pipelineText, EventLog log) {
    return Planner.plan(pipeline(pipelineText), catalog(log), pipelineText).sources();
  }

  /** The planner's view of the log, as the engine builds it: streams and tables with their keys. */
  private static Catalog catalog(EventLog log) {
    List<SourceInfo> sources = new ArrayList<>();
    for (StreamSpec spec : log.streams()) {
      sources.add(new SourceInfo(spec.name(), spec.kind(), Optional.ofNullable(spec.keyField()), Optional.empty()));
    }
    return Catalog.of(sources);
  }

  private static Pipeline pipeline(String text) {
    return ((Statement.Query) Parser.parseStatement(text)).pipeline();
  }
}
