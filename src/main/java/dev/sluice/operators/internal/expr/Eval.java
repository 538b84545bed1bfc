package dev.sluice.operators.internal.expr;

import dev.sluice.operators.Row;

/** A compiled expression: the value it has on one row. Throws {@link EvalError} on bad data. */
@FunctionalInterface
public interface Eval {
  Object eval(Row row);
}
