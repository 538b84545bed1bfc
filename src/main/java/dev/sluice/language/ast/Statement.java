package dev.sluice.language.ast;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** One statement of a script. Its position is its first word's. */
public sealed interface Statement
    permits Statement.CreateStream,
        Statement.CreateTable,
        Statement.CreateView,
        Statement.CreateIndex,
        Statement.CreateSearchIndex,
        Statement.CreateConstraint,
        Statement.Drop,
        Statement.Show,
        Statement.Describe,
        Statement.Query {

  Position pos();

  /** Source text that parses back to this statement; DESCRIBE shows definitions with it. */
  default String toSql() {
    return StatementPrinter.statement(this);
  }

  /**
   * {@code name = literal} in a {@code WITH (…)} list. The parser does not judge names or values:
   * the stage that knows what the object needs does.
   */
  record Option(Name name, Expr.Literal value) {
    public Option {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }

    public Position pos() {
      return name.pos();
    }
  }

  /**
   * A stream written to by clients or, with a query, derived from other streams into the log. An
   * absent partition count is for the caller to default.
   */
  record CreateStream(
      Name name,
      boolean ifNotExists,
      Optional<Expr.Field> key,
      OptionalInt partitions,
      List<Option> options,
      Optional<Pipeline> query,
      Position pos)
      implements Statement {
    public CreateStream {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(partitions, "partitions");
      options = List.copyOf(options);
      Objects.requireNonNull(query, "query");
      Objects.requireNonNull(pos, "pos");
      if (partitions.isPresent() && partitions.getAsInt() < 1) {
        throw new IllegalArgumentException("a stream has at least one partition");
      }
    }
  }

  record CreateTable(
      Name name,
      boolean ifNotExists,
      Optional<Expr.Field> key,
      OptionalInt partitions,
      List<Option> options,
      Position pos)
      implements Statement {
    public CreateTable {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(partitions, "partitions");
      options = List.copyOf(options);
      Objects.requireNonNull(pos, "pos");
      if (partitions.isPresent() && partitions.getAsInt() < 1) {
        throw new IllegalArgumentException("a table has at least one partition");
      }
    }
  }

  record CreateView(
      Name name,
      boolean orReplace,
      boolean ifNotExists,
      List<Option> options,
      Pipeline query,
      Position pos)
      implements Statement {
    public CreateView {
      Objects.requireNonNull(name, "name");
      options = List.copyOf(options);
      Objects.requireNonNull(query, "query");
      Objects.requireNonNull(pos, "pos");
      requireNotBoth(orReplace, ifNotExists);
    }
  }

  /** A secondary index; {@code ON name} is the pipeline {@code FROM name} with no operators. */
  record CreateIndex(
      Name name,
      boolean orReplace,
      boolean ifNotExists,
      Pipeline source,
      List<Expr.Field> fields,
      Position pos)
      implements Statement {
    public CreateIndex {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(source, "source");
      fields = nonEmpty(fields);
      Objects.requireNonNull(pos, "pos");
      requireNotBoth(orReplace, ifNotExists);
    }
  }

  record CreateSearchIndex(
      Name name,
      boolean orReplace,
      boolean ifNotExists,
      Pipeline source,
      List<Expr.Field> fields,
      List<Expr.Field> facets,
      Position pos)
      implements Statement {
    public CreateSearchIndex {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(source, "source");
      fields = nonEmpty(fields);
      facets = List.copyOf(facets);
      Objects.requireNonNull(pos, "pos");
      requireNotBoth(orReplace, ifNotExists);
    }
  }

  /** No two events of {@code stream} share the values of {@code fields}. */
  record CreateConstraint(
      Name name, boolean ifNotExists, Name stream, List<Expr.Field> fields, Position pos)
      implements Statement {
    public CreateConstraint {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(stream, "stream");
      fields = nonEmpty(fields);
      Objects.requireNonNull(pos, "pos");
    }
  }

  record Drop(ObjectKind kind, boolean ifExists, Name name, Position pos) implements Statement {
    public Drop {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record Show(ObjectKind kind, Position pos) implements Statement {
    public Show {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(pos, "pos");
    }
  }

  record Describe(Name name, Position pos) implements Statement {
    public Describe {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(pos, "pos");
    }
  }

  /** An ad-hoc pipeline, run once over the current state. */
  record Query(Pipeline pipeline, Position pos) implements Statement {
    public Query {
      Objects.requireNonNull(pipeline, "pipeline");
      Objects.requireNonNull(pos, "pos");
    }
  }

  private static List<Expr.Field> nonEmpty(List<Expr.Field> fields) {
    var copy = List.copyOf(fields);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("at least one field");
    }
    return copy;
  }

  private static void requireNotBoth(boolean orReplace, boolean ifNotExists) {
    if (orReplace && ifNotExists) {
      throw new IllegalArgumentException("OR REPLACE and IF NOT EXISTS contradict each other");
    }
  }
}
