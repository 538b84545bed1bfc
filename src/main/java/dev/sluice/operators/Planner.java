package dev.sluice.operators;

import dev.sluice.language.LanguageException;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.operators.internal.flow.IncrementalDataflow;
import dev.sluice.operators.internal.plan.PlanBuilder;

/** Compiles a view's pipeline into a {@link Dataflow}, refusing at once what can be refused. */
public final class Planner {
  private Planner() {}

  /**
   * @param sourceText the statement the pipeline was parsed from, so errors can show the line
   * @throws LanguageException for an unknown source or field (with a did-you-mean hint), a
   *     misplaced aggregate, ORDER BY, LIMIT or now() in a view, a JOIN with a stream, and the like
   */
  public static Dataflow plan(Pipeline pipeline, Catalog catalog, String sourceText) {
    return new IncrementalDataflow(PlanBuilder.view(pipeline, catalog, sourceText));
  }
}
