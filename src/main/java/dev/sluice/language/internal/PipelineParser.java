package dev.sluice.language.internal;

import dev.sluice.language.ErrorCode;
import dev.sluice.language.LanguageException;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.Name;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code FROM source |> op |> …}: the pipeline and each of its operators. */
final class PipelineParser {
  private static final String OPERATORS =
      "WHERE, SELECT, EXTEND, AGGREGATE, JOIN, LEFT JOIN, UNION ALL, WINDOW, ORDER BY or LIMIT";

  private final Cursor in;
  private final ExpressionParser expressions;

  PipelineParser(Cursor in, ExpressionParser expressions) {
    this.in = in;
    this.expressions = expressions;
  }

  Pipeline pipeline() {
    if (!in.atWord("from")) {
      throw in.failHere("FROM and a source " + in.afterPrevious(), List.of("FROM"));
    }
    var from = in.advance();
    in.enter(from);
    var source = in.name("a stream, table or view name");
    var ops = new ArrayList<PipeOp>();
    while (in.accept(TokenKind.PIPE)) {
      ops.add(op());
    }
    in.exit();
    return new Pipeline(source, ops, from.pos());
  }

  /** A pipeline in parentheses, as in {@code UNION ALL (…)} and {@code ON (…)}. */
  Pipeline parenthesised(String context) {
    in.expect(TokenKind.LEFT_PAREN, "'(' and a pipeline " + context);
    var pipeline = pipeline();
    if (!in.at(TokenKind.RIGHT_PAREN)) {
      throw unexpectedAfterPipeline("'|>' or ')' to close the pipeline " + context);
    }
    in.advance();
    return pipeline;
  }

  /**
   * The next token cannot follow a pipeline. An operator keyword there most likely lacks its {@code
   * |>}, so say that rather than only what was expected.
   */
  LanguageException unexpectedAfterPipeline(String expected) {
    var found = in.peek();
    var upper = found.text().toUpperCase(Locale.ROOT);
    if (found.kind() == TokenKind.WORD && Keywords.PIPE_OPERATORS.contains(upper)) {
      return in.error(
          found.pos(),
          ErrorCode.SYNTAX_ERROR,
          "expected " + expected + ", found " + in.found(found),
          "each pipe operator follows |>, as in |> " + upper + " …");
    }
    return in.failHere(expected, Keywords.ALL);
  }

  private PipeOp op() {
    var token = in.peek();
    var word = token.kind() == TokenKind.WORD ? token.text() : "";
    return switch (word) {
      case "where" -> {
        in.advance();
        yield new PipeOp.Where(expressions.expression(), token.pos());
      }
      case "select" -> select();
      case "extend" -> extend();
      case "aggregate" -> aggregate();
      case "join" -> {
        in.advance();
        yield join(PipeOp.JoinKind.INNER, token);
      }
      case "left" -> {
        in.advance();
        in.expectWord("join");
        yield join(PipeOp.JoinKind.LEFT, token);
      }
      case "union" -> union();
      case "window" -> window();
      case "order" -> orderBy();
      case "limit" -> limit();
      case "group" ->
          throw in.error(
              token.pos(),
              ErrorCode.SYNTAX_ERROR,
              "GROUP BY is part of AGGREGATE, not an operator of its own",
              "write |> AGGREGATE count(*) AS n GROUP BY …");
      default ->
          throw in.failHere(
              "a pipe operator (" + OPERATORS + ") after '|>'", Keywords.PIPE_OPERATORS);
    };
  }

  private PipeOp select() {
    var start = in.advance();
    var items = new ArrayList<PipeOp.SelectItem>();
    do {
      if (in.at(TokenKind.STAR)) {
        items.add(new PipeOp.Star(in.advance().pos()));
      } else {
        items.add(projection(expressions.expression()));
      }
    } while (in.accept(TokenKind.COMMA));
    return new PipeOp.Select(items, start.pos());
  }

  private PipeOp extend() {
    var start = in.advance();
    var items = new ArrayList<PipeOp.Projection>();
    do {
      var expr = expressions.expression();
      if (!in.atWord("as")) {
        throw in.failHere("AS and the new field's name after the expression", List.of("AS"));
      }
      items.add(projection(expr));
    } while (in.accept(TokenKind.COMMA));
    return new PipeOp.Extend(items, start.pos());
  }

  private PipeOp aggregate() {
    var start = in.advance();
    var aggregates = new ArrayList<PipeOp.Projection>();
    if (!in.atWord("group")) {
      do {
        aggregates.add(projection(expressions.aggregateItem()));
      } while (in.accept(TokenKind.COMMA));
    }
    var groupBy = new ArrayList<PipeOp.Projection>();
    if (in.acceptWord("group")) {
      in.expectWord("by");
      do {
        groupBy.add(projection(expressions.expression()));
      } while (in.accept(TokenKind.COMMA));
    }
    return new PipeOp.Aggregate(aggregates, groupBy, start.pos());
  }

  private PipeOp.Projection projection(Expr expr) {
    Optional<Name> alias =
        in.acceptWord("as") ? Optional.of(in.name("a name after AS")) : Optional.empty();
    return new PipeOp.Projection(expr, alias);
  }

  private PipeOp join(PipeOp.JoinKind kind, Token start) {
    var table = in.name("the name of the table to join");
    var word = in.peek();
    PipeOp.JoinCondition condition;
    if (in.acceptWord("using")) {
      condition = new PipeOp.Using(fieldList("USING"), word.pos());
    } else if (in.acceptWord("on")) {
      condition = new PipeOp.On(expressions.expression(), word.pos());
    } else {
      throw in.failHere(
          "USING (fields) or ON condition after the joined table", List.of("USING", "ON"));
    }
    return new PipeOp.Join(kind, table, condition, start.pos());
  }

  private PipeOp union() {
    var start = in.advance();
    if (!in.atWord("all")) {
      throw in.error(
          in.peek().pos(),
          ErrorCode.SYNTAX_ERROR,
          "expected ALL after UNION, found " + in.found(in.peek()),
          "only UNION ALL exists; to drop duplicates, AGGREGATE … GROUP BY the fields");
    }
    in.advance();
    return new PipeOp.UnionAll(parenthesised("after UNION ALL"), start.pos());
  }

  private PipeOp window() {
    var start = in.advance();
    var kind = in.peek();
    if (!kind.isWord("tumble") && !kind.isWord("hop")) {
      throw in.failHere("TUMBLE or HOP after WINDOW", List.of("TUMBLE", "HOP"));
    }
    in.advance();
    var name = kind.text().toUpperCase(Locale.ROOT);
    in.expect(TokenKind.LEFT_PAREN, "'(' after " + name);
    var time = expressions.expression();
    in.expect(TokenKind.COMMA, "',' and the window size after the time of " + name);
    var size = positive(expressions.interval(), "window size");
    if (kind.isWord("tumble")) {
      in.expect(TokenKind.RIGHT_PAREN, "')' after the window size of TUMBLE");
      return new PipeOp.TumblingWindow(time, size, lateness(), start.pos());
    }
    in.expect(TokenKind.COMMA, "',' and the advance after the window size of HOP");
    var advance = positive(expressions.interval(), "window advance");
    in.expect(TokenKind.RIGHT_PAREN, "')' after the advance of HOP");
    return new PipeOp.HoppingWindow(time, size, advance, lateness(), start.pos());
  }

  /** {@code [LATENESS interval]} after a window. */
  private Optional<Expr.IntervalLiteral> lateness() {
    if (!in.peek().isWord("lateness")) {
      return Optional.empty();
    }
    in.advance();
    return Optional.of(expressions.interval());
  }

  private Expr.IntervalLiteral positive(Expr.IntervalLiteral interval, String what) {
    if (interval.amount() == 0) {
      throw in.error(
          interval.pos(), ErrorCode.INVALID_NUMBER, what + " must be longer than 0", null);
    }
    return interval;
  }

  private PipeOp orderBy() {
    var start = in.advance();
    in.expectWord("by");
    var keys = new ArrayList<PipeOp.SortKey>();
    do {
      var expr = expressions.expression();
      var order = PipeOp.SortOrder.ASC;
      if (in.acceptWord("desc")) {
        order = PipeOp.SortOrder.DESC;
      } else {
        in.acceptWord("asc");
      }
      keys.add(new PipeOp.SortKey(expr, order));
    } while (in.accept(TokenKind.COMMA));
    return new PipeOp.OrderBy(keys, start.pos());
  }

  private PipeOp limit() {
    var start = in.advance();
    var count = in.peek();
    if (count.kind() != TokenKind.INTEGER) {
      throw in.failHere("a whole number after LIMIT", List.of());
    }
    in.advance();
    try {
      return new PipeOp.Limit(Long.parseLong(count.text()), start.pos());
    } catch (NumberFormatException outOfRange) {
      throw in.error(
          count.pos(),
          ErrorCode.INVALID_NUMBER,
          "LIMIT " + count.text() + " does not fit in 64 bits",
          null);
    }
  }

  /** {@code (field, …)} after {@code what}; used by USING and by index definitions. */
  List<Expr.Field> fieldList(String what) {
    in.expect(TokenKind.LEFT_PAREN, "'(' and a list of fields after " + what);
    var fields = new ArrayList<Expr.Field>();
    do {
      fields.add(expressions.fieldName("a field name"));
    } while (in.accept(TokenKind.COMMA));
    in.expect(TokenKind.RIGHT_PAREN, "',' or ')' in the field list after " + what);
    return fields;
  }
}
