package dev.sluice.operators;

import dev.sluice.language.LanguageException;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.operators.internal.batch.BatchRun;
import dev.sluice.operators.internal.plan.PlanBuilder;
import java.util.List;

/**
 * Evaluates a pipeline over complete inputs the obvious way: build each source's collection, then
 * apply each operator to whole collections. Slow and simple on purpose — it is the reference that
 * incremental maintenance is checked against, and it answers ad-hoc queries.
 */
public final class BatchEvaluator {
  private BatchEvaluator() {}

  /** One row of a result and its key. */
  public record KeyedRow(RowKey key, Row row) {}

  /**
   * @param rows in key order, or in the query's ORDER BY order
   * @param lateEvents inputs that came too late for a window they fall in
   */
  public record Result(List<KeyedRow> rows, List<DeadLetter> deadLetters, long lateEvents) {
    public Result {
      rows = List.copyOf(rows);
      deadLetters = List.copyOf(deadLetters);
    }
  }

  /**
   * What the view defined by {@code pipeline} holds after {@code inputs}, with the checks of {@link
   * Planner#plan}.
   *
   * @param inputs events of any of the sources, in log order: for a table the last event of a key
   *     decides its row
   * @throws LanguageException as {@link Planner#plan} does
   */
  public static Result view(
      Pipeline pipeline, Catalog catalog, String sourceText, List<Input> inputs) {
    return BatchRun.run(PlanBuilder.view(pipeline, catalog, sourceText), inputs);
  }

  /**
   * An ad-hoc query: like {@link #view}, and ORDER BY, LIMIT and now() are allowed.
   *
   * @param now what now() stands for, the same throughout the query
   */
  public static Result query(
      Pipeline pipeline, Catalog catalog, String sourceText, List<Input> inputs, Timestamp now) {
    return BatchRun.run(PlanBuilder.query(pipeline, catalog, sourceText, now), inputs);
  }
}
