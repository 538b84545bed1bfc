package dev.sluice.language.internal;

import dev.sluice.language.ErrorCode;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/** CREATE STREAM, TABLE, VIEW, INDEX, SEARCH INDEX and CONSTRAINT. */
final class CreateParser {
  static final String CREATABLE = "STREAM, TABLE, VIEW, INDEX, SEARCH INDEX or CONSTRAINT";

  private final Cursor in;
  private final ExpressionParser expressions;
  private final PipelineParser pipelines;

  CreateParser(Cursor in, ExpressionParser expressions, PipelineParser pipelines) {
    this.in = in;
    this.expressions = expressions;
    this.pipelines = pipelines;
  }

  /** The rest of a CREATE statement, whose first word was {@code start}. */
  Statement create(Token start) {
    var orReplace = in.atWord("or") ? in.advance() : null;
    if (orReplace != null) {
      in.expectWord("replace");
    }
    var kind = in.peek();
    var word = kind.kind() == TokenKind.WORD ? kind.text() : "";
    switch (word) {
      case "stream", "table", "constraint" -> {
        if (orReplace != null) {
          throw in.error(
              orReplace.pos(),
              ErrorCode.SYNTAX_ERROR,
              "a " + word + " cannot be replaced: OR REPLACE applies to views and indexes",
              null);
        }
      }
      case "view", "index", "search" -> {}
      default -> throw in.failHere(CREATABLE + " " + in.afterPrevious(), Keywords.CREATABLE);
    }
    in.advance();
    if (word.equals("search")) {
      in.expectWord("index");
    }
    var ifNotExists = ifNotExists(orReplace != null);
    return switch (word) {
      case "stream" -> createStream(start, ifNotExists);
      case "table" -> createTable(start, ifNotExists);
      case "view" -> createView(start, orReplace != null, ifNotExists);
      case "index" -> {
        var name = in.name("an index name");
        var source = indexSource();
        yield new Statement.CreateIndex(
            name,
            orReplace != null,
            ifNotExists,
            source,
            pipelines.fieldList("the source"),
            start.pos());
      }
      case "search" -> createSearchIndex(start, orReplace != null, ifNotExists);
      default -> createConstraint(start, ifNotExists);
    };
  }

  private boolean ifNotExists(boolean orReplace) {
    if (!in.atWord("if") || !in.peek(1).isWord("not")) {
      return false;
    }
    var start = in.advance();
    in.advance();
    in.expectWord("exists");
    if (orReplace) {
      throw in.error(
          start.pos(),
          ErrorCode.SYNTAX_ERROR,
          "OR REPLACE and IF NOT EXISTS contradict each other",
          "keep the one you mean");
    }
    return true;
  }

  private Statement createStream(Token start, boolean ifNotExists) {
    var name = in.name("a stream name");
    var clauses = sourceClauses();
    var query =
        in.acceptWord("as") ? Optional.of(pipelines.pipeline()) : Optional.<Pipeline>empty();
    return new Statement.CreateStream(
        name, ifNotExists, clauses.key, clauses.partitions, clauses.options, query, start.pos());
  }

  private Statement createTable(Token start, boolean ifNotExists) {
    var name = in.name("a table name");
    var clauses = sourceClauses();
    if (in.atWord("as")) {
      throw in.error(
          in.peek().pos(),
          ErrorCode.SYNTAX_ERROR,
          "a table cannot be derived: it holds the latest event per key written to it",
          "derive keyed state with CREATE VIEW … AS FROM … |> AGGREGATE … GROUP BY …");
    }
    return new Statement.CreateTable(
        name, ifNotExists, clauses.key, clauses.partitions, clauses.options, start.pos());
  }

  private record SourceClauses(
      Optional<Expr.Field> key, OptionalInt partitions, List<Statement.Option> options) {}

  /** KEY, PARTITIONS and WITH, in any order, each at most once. */
  private SourceClauses sourceClauses() {
    var key = Optional.<Expr.Field>empty();
    var partitions = OptionalInt.empty();
    var options = List.<Statement.Option>of();
    while (true) {
      var clause = in.peek();
      if (clause.isWord("key")) {
        once(key.isPresent(), clause);
        in.advance();
        key = Optional.of(expressions.fieldName("a key field"));
      } else if (clause.isWord("partitions")) {
        once(partitions.isPresent(), clause);
        in.advance();
        partitions = OptionalInt.of(partitionCount());
      } else if (clause.isWord("with")) {
        once(!options.isEmpty(), clause);
        options = options();
      } else {
        return new SourceClauses(key, partitions, options);
      }
    }
  }

  private void once(boolean seen, Token clause) {
    if (seen) {
      throw in.error(
          clause.pos(),
          ErrorCode.DUPLICATE_CLAUSE,
          clause.text().toUpperCase(Locale.ROOT) + " is given twice",
          null);
    }
  }

  private int partitionCount() {
    var count = in.peek();
    if (count.kind() != TokenKind.INTEGER) {
      throw in.failHere("a whole number after PARTITIONS", List.of());
    }
    in.advance();
    long value;
    try {
      value = Long.parseLong(count.text());
    } catch (NumberFormatException outOfRange) {
      value = Long.MAX_VALUE;
    }
    if (value < 1 || value > Integer.MAX_VALUE) {
      throw in.error(
          count.pos(),
          ErrorCode.INVALID_NUMBER,
          "PARTITIONS must be between 1 and " + Integer.MAX_VALUE + ", found " + count.text(),
          null);
    }
    return (int) value;
  }

  private List<Statement.Option> options() {
    in.advance();
    in.expect(TokenKind.LEFT_PAREN, "'(' and options after WITH");
    var options = new ArrayList<Statement.Option>();
    var names = new HashSet<String>();
    do {
      var name = in.name("an option name");
      if (!names.add(name.value())) {
        throw in.error(
            name.pos(),
            ErrorCode.DUPLICATE_CLAUSE,
            "option " + name.value() + " is given twice",
            null);
      }
      in.expect(TokenKind.EQ, "'=' after the option name");
      options.add(new Statement.Option(name, expressions.literal()));
    } while (in.accept(TokenKind.COMMA));
    in.expect(TokenKind.RIGHT_PAREN, "',' or ')' after an option");
    return options;
  }

  private Statement createView(Token start, boolean orReplace, boolean ifNotExists) {
    var name = in.name("a view name");
    var options = in.atWord("with") ? options() : List.<Statement.Option>of();
    in.expectWord("as");
    return new Statement.CreateView(
        name, orReplace, ifNotExists, options, pipelines.pipeline(), start.pos());
  }

  private Statement createSearchIndex(Token start, boolean orReplace, boolean ifNotExists) {
    var name = in.name("a search index name");
    var source = indexSource();
    var fields = pipelines.fieldList("the source");
    var facets = in.acceptWord("facets") ? pipelines.fieldList("FACETS") : List.<Expr.Field>of();
    return new Statement.CreateSearchIndex(
        name, orReplace, ifNotExists, source, fields, facets, start.pos());
  }

  /** {@code ON name} or {@code ON (pipeline)}; a bare name is the pipeline without operators. */
  private Pipeline indexSource() {
    in.expectWord("on");
    if (in.at(TokenKind.LEFT_PAREN)) {
      return pipelines.parenthesised("after ON");
    }
    var name = in.name("a stream, table or view name, or a pipeline in parentheses,");
    return new Pipeline(name, List.of(), name.pos());
  }

  private Statement createConstraint(Token start, boolean ifNotExists) {
    var name = in.name("a constraint name");
    in.expectWord("unique");
    var stream = in.name("a stream name");
    return new Statement.CreateConstraint(
        name, ifNotExists, stream, pipelines.fieldList("the stream name"), start.pos());
  }
}
