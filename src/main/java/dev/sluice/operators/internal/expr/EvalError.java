package dev.sluice.operators.internal.expr;

import dev.sluice.language.ast.Position;

/**
 * An expression failed on one row's data ({@code 'abc' + 1}). Not a bug and not fatal: the row is
 * left out and a dead letter names the reason and the place in the view's text. No stack trace,
 * because bad data is common and the trace would say nothing the position does not.
 */
public final class EvalError extends RuntimeException {
  private final transient Position position;

  public EvalError(String reason, Position position) {
    super(reason, null, false, false);
    this.position = position;
  }

  public Position position() {
    return position;
  }
}
