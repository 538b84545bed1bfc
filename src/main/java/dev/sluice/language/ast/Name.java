package dev.sluice.language.ast;

import java.util.Objects;

/**
 * A name the user wrote: of a stream, table, view, index, constraint, option or output field. It
 * keeps its position because most later errors ("unknown stream") are about one name.
 */
public record Name(String value, Position pos) {
  public Name {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(pos, "pos");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("a name is never empty");
    }
  }

  public String toSql() {
    return Identifiers.toSql(value);
  }
}
