package dev.sluice.language.internal;

import dev.sluice.language.Builtins;
import dev.sluice.language.ErrorCode;
import dev.sluice.language.Hints;
import dev.sluice.language.LanguageException;
import dev.sluice.language.ast.AggregateFunction;
import dev.sluice.language.ast.Expr;
import java.util.ArrayList;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Function calls: scalar ones checked against {@link Builtins}, and aggregates, which are allowed
 * only while an AGGREGATE item is being parsed.
 */
final class CallParser {
  /** Aggregate calls may appear only in AGGREGATE items, and never inside one another. */
  private enum AggregateContext {
    FORBIDDEN,
    ALLOWED,
    INSIDE
  }

  private final Cursor in;
  private final ExpressionParser expressions;
  private AggregateContext aggregates = AggregateContext.FORBIDDEN;
  private boolean sawAggregate;

  CallParser(Cursor in, ExpressionParser expressions) {
    this.in = in;
    this.expressions = expressions;
  }

  /** An item of AGGREGATE's list: an expression over at least one aggregate call. */
  Expr aggregateItem() {
    var start = in.peek();
    aggregates = AggregateContext.ALLOWED;
    sawAggregate = false;
    var expr = expressions.expression();
    aggregates = AggregateContext.FORBIDDEN;
    if (!sawAggregate) {
      throw in.error(
          start.pos(),
          ErrorCode.INVALID_AGGREGATE,
          "an AGGREGATE item needs an aggregate function (count, sum, avg, min or max)",
          "to group by " + expr.toSql() + ", write it after GROUP BY");
    }
    return expr;
  }

  /** A call whose name is the next token, followed by '('. */
  Expr call() {
    var name = in.advance();
    in.advance();
    var aggregate = AggregateFunction.byName(name.text());
    if (aggregate.isPresent()) {
      return aggregateCall(name, aggregate.get());
    }
    var signature = Builtins.lookup(name.text()).orElseThrow(() -> unknownFunction(name));
    var arguments = new ArrayList<Expr>();
    if (!in.at(TokenKind.RIGHT_PAREN)) {
      do {
        arguments.add(expressions.expression());
      } while (in.accept(TokenKind.COMMA));
    }
    in.expect(TokenKind.RIGHT_PAREN, "',' or ')' after an argument of " + name.text());
    if (!signature.accepts(arguments.size())) {
      throw in.error(
          name.pos(),
          ErrorCode.WRONG_ARGUMENT_COUNT,
          name.text() + " takes " + signature.arity() + ", found " + arguments.size(),
          null);
    }
    return new Expr.Call(name.text(), arguments, name.pos());
  }

  private Expr aggregateCall(Token name, AggregateFunction function) {
    var fn = function.sqlName();
    if (aggregates != AggregateContext.ALLOWED) {
      throw in.error(
          name.pos(),
          ErrorCode.INVALID_AGGREGATE,
          aggregates == AggregateContext.INSIDE
              ? "aggregate functions cannot be nested: " + fn + " inside another aggregate"
              : fn + " is an aggregate function, allowed only in AGGREGATE",
          aggregates == AggregateContext.INSIDE
              ? null
              : "aggregate with |> AGGREGATE " + fn + "(…)");
    }
    var distinct = in.atWord("distinct") ? in.advance() : null;
    if (distinct != null && function != AggregateFunction.COUNT) {
      throw in.error(
          distinct.pos(),
          ErrorCode.SYNTAX_ERROR,
          "only count takes DISTINCT",
          "write count(DISTINCT …)");
    }
    if (in.at(TokenKind.RIGHT_PAREN)) {
      throw in.error(
          name.pos(),
          ErrorCode.WRONG_ARGUMENT_COUNT,
          fn + " takes 1 argument, found 0",
          function == AggregateFunction.COUNT ? "count(*) counts rows" : null);
    }
    var argument = star(function, distinct != null);
    if (in.at(TokenKind.COMMA)) {
      throw in.error(
          name.pos(), ErrorCode.WRONG_ARGUMENT_COUNT, fn + " takes 1 argument, found more", null);
    }
    in.expect(TokenKind.RIGHT_PAREN, "')' after the argument of " + fn);
    sawAggregate = true;
    return new Expr.AggregateCall(function, argument, distinct != null, name.pos());
  }

  /** The argument of an aggregate: empty for {@code *}, which only plain count accepts. */
  private Optional<Expr> star(AggregateFunction function, boolean distinct) {
    if (in.at(TokenKind.STAR)) {
      var star = in.advance();
      if (function != AggregateFunction.COUNT || distinct) {
        throw in.error(
            star.pos(),
            ErrorCode.SYNTAX_ERROR,
            "* is only allowed in count(*)",
            "give " + function.sqlName() + " a field or expression");
      }
      return Optional.empty();
    }
    aggregates = AggregateContext.INSIDE;
    var argument = expressions.expression();
    aggregates = AggregateContext.ALLOWED;
    return Optional.of(argument);
  }

  private LanguageException unknownFunction(Token name) {
    var known = new TreeSet<>(Builtins.names());
    for (var aggregate : AggregateFunction.values()) {
      known.add(aggregate.sqlName());
    }
    var hint =
        Hints.didYouMean(name.text(), known)
            .map(candidate -> "did you mean " + candidate + "?")
            .orElse("known functions: " + String.join(", ", known));
    return in.error(
        name.pos(), ErrorCode.UNKNOWN_FUNCTION, "unknown function " + name.text(), hint);
  }
}
