package dev.sluice.language.ast;

import java.util.List;
import java.util.Objects;

/** {@code FROM source |> op |> op …}: each operator consumes the rows the previous one produced. */
public record Pipeline(Name source, List<PipeOp> ops, Position pos) {
  public Pipeline {
    Objects.requireNonNull(source, "source");
    ops = List.copyOf(ops);
    Objects.requireNonNull(pos, "pos");
  }

  public String toSql() {
    return StatementPrinter.pipeline(this);
  }
}
