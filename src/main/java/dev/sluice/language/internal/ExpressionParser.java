package dev.sluice.language.internal;

import dev.sluice.language.ErrorCode;
import dev.sluice.language.Hints;
import dev.sluice.language.LanguageException;
import dev.sluice.language.ast.BinaryOperator;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.Identifiers;
import dev.sluice.language.ast.IntervalUnit;
import dev.sluice.language.ast.Position;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Expressions by recursive descent, one method per precedence level, loosest first: OR, AND, NOT,
 * IS [NOT] NULL, comparison, IN/LIKE/BETWEEN, ||, + -, * / %, unary minus, primary.
 */
final class ExpressionParser {
  private static final Set<String> ENVELOPE =
      Set.of("_key", "_time", "_id", "_partition", "_offset", "_causes");

  private final Cursor in;
  private final CallParser calls;

  ExpressionParser(Cursor in) {
    this.in = in;
    this.calls = new CallParser(in, this);
  }

  Expr expression() {
    in.enter(in.peek());
    var expr = or();
    in.exit();
    return expr;
  }

  /** An item of AGGREGATE's list: an expression over at least one aggregate call. */
  Expr aggregateItem() {
    return calls.aggregateItem();
  }

  /** A field path where only a field can stand: KEY, index and USING lists. */
  Expr.Field fieldName(String what) {
    in.requireName(what);
    var field = field();
    in.rejectHyphenatedPrevious();
    return field;
  }

  /** A constant, as an option value: a number (possibly negative), string, boolean, NULL. */
  Expr.Literal literal() {
    var token = in.peek();
    if (token.kind() == TokenKind.MINUS && isNumber(in.peek(1))) {
      in.advance();
      var digits = in.advance();
      return number(digits, "-" + digits.text(), token.pos());
    }
    return switch (token.kind()) {
      case INTEGER, DECIMAL -> number(in.advance(), token.text(), token.pos());
      case STRING -> new Expr.StringLiteral(in.advance().text(), token.pos());
      case WORD ->
          switch (token.text()) {
            case "null" -> {
              in.advance();
              yield new Expr.NullLiteral(token.pos());
            }
            case "true", "false" -> {
              in.advance();
              yield new Expr.BooleanLiteral(token.text().equals("true"), token.pos());
            }
            case "interval" -> interval();
            default -> throw literalExpected();
          };
      default -> throw literalExpected();
    };
  }

  Expr.IntervalLiteral interval() {
    var start = in.expectWord("interval");
    var amount = in.peek();
    if (amount.kind() != TokenKind.INTEGER) {
      throw in.failHere("a whole number after INTERVAL", List.of());
    }
    in.advance();
    var count = integer(amount.text(), amount.pos());
    var unitToken = in.peek();
    var unit =
        unitToken.kind() == TokenKind.WORD
            ? IntervalUnit.byWord(unitToken.text())
            : Optional.<IntervalUnit>empty();
    if (unit.isEmpty()) {
      throw in.failHere(
          "a time unit (MILLISECOND, SECOND, MINUTE, HOUR or DAY) after INTERVAL " + count,
          Keywords.UNITS);
    }
    in.advance();
    var interval = new Expr.IntervalLiteral(count, unit.get(), start.pos());
    try {
      interval.millis();
    } catch (ArithmeticException tooLong) {
      throw in.error(
          start.pos(),
          ErrorCode.INVALID_NUMBER,
          "interval is too long to count in milliseconds",
          null);
    }
    return interval;
  }

  private Expr or() {
    var left = and();
    while (in.atWord("or")) {
      var op = in.advance();
      left = new Expr.Binary(BinaryOperator.OR, left, and(), op.pos());
    }
    return left;
  }

  private Expr and() {
    var left = not();
    while (in.atWord("and")) {
      var op = in.advance();
      left = new Expr.Binary(BinaryOperator.AND, left, not(), op.pos());
    }
    return left;
  }

  private Expr not() {
    if (!in.atWord("not")) {
      return is();
    }
    var op = in.advance();
    in.enter(op);
    var operand = not();
    in.exit();
    return new Expr.Not(operand, op.pos());
  }

  private Expr is() {
    var value = comparison();
    while (in.atWord("is")) {
      var op = in.advance();
      var negated = in.acceptWord("not");
      if (!in.acceptWord("null")) {
        throw in.failHere(
            negated ? "NULL after IS NOT" : "NULL or NOT NULL after IS", List.of("NULL"));
      }
      value = new Expr.IsNull(value, negated, op.pos());
    }
    return value;
  }

  private Expr comparison() {
    var left = predicate();
    var op = comparisonOperator(in.peek());
    if (op == null) {
      return left;
    }
    var token = in.advance();
    var comparison = new Expr.Binary(op, left, predicate(), token.pos());
    if (comparisonOperator(in.peek()) != null) {
      throw in.error(
          in.peek().pos(),
          ErrorCode.SYNTAX_ERROR,
          "comparisons do not chain: found '" + in.peek().raw() + "' right after a comparison",
          "combine them with AND, as in a < b AND b < c");
    }
    return comparison;
  }

  private Expr predicate() {
    var value = concat();
    var start = in.peek();
    var next = in.peek(1);
    var negated =
        start.isWord("not") && (next.isWord("in") || next.isWord("like") || next.isWord("between"));
    if (negated) {
      in.advance();
    }
    if (in.acceptWord("in")) {
      return new Expr.In(value, inList(), negated, start.pos());
    }
    if (in.acceptWord("like")) {
      return new Expr.Like(value, concat(), negated, start.pos());
    }
    if (in.acceptWord("between")) {
      var low = concat();
      if (!in.acceptWord("and")) {
        throw in.failHere("AND between the bounds of BETWEEN", List.of("AND"));
      }
      return new Expr.Between(value, low, concat(), negated, start.pos());
    }
    return value;
  }

  private List<Expr> inList() {
    in.expect(TokenKind.LEFT_PAREN, "'(' and a list of values after IN");
    var list = new ArrayList<Expr>();
    do {
      list.add(expression());
    } while (in.accept(TokenKind.COMMA));
    in.expect(TokenKind.RIGHT_PAREN, "',' or ')' in the list after IN");
    return list;
  }

  private Expr concat() {
    var left = additive();
    while (in.at(TokenKind.CONCAT)) {
      var op = in.advance();
      left = new Expr.Binary(BinaryOperator.CONCAT, left, additive(), op.pos());
    }
    return left;
  }

  private Expr additive() {
    var left = multiplicative();
    while (in.at(TokenKind.PLUS) || in.at(TokenKind.MINUS)) {
      var op = in.advance();
      var operator = op.kind() == TokenKind.PLUS ? BinaryOperator.ADD : BinaryOperator.SUBTRACT;
      left = new Expr.Binary(operator, left, multiplicative(), op.pos());
    }
    return left;
  }

  private Expr multiplicative() {
    var left = unary();
    while (true) {
      var operator =
          switch (in.peek().kind()) {
            case STAR -> BinaryOperator.MULTIPLY;
            case SLASH -> BinaryOperator.DIVIDE;
            case PERCENT -> BinaryOperator.MODULO;
            default -> null;
          };
      if (operator == null) {
        return left;
      }
      var op = in.advance();
      left = new Expr.Binary(operator, left, unary(), op.pos());
    }
  }

  /** A minus before digits makes a negative literal, so the smallest long can be written. */
  private Expr unary() {
    if (!in.at(TokenKind.MINUS)) {
      return primary();
    }
    var minus = in.advance();
    var next = in.peek();
    if (isNumber(next)) {
      in.advance();
      return number(next, "-" + next.text(), minus.pos());
    }
    in.enter(minus);
    var operand = unary();
    in.exit();
    return new Expr.Negate(operand, minus.pos());
  }

  private Expr primary() {
    var token = in.peek();
    return switch (token.kind()) {
      case INTEGER, DECIMAL, STRING -> literal();
      case QUOTED_NAME -> field();
      case LEFT_PAREN -> {
        in.advance();
        var inner = expression();
        in.expect(TokenKind.RIGHT_PAREN, "')' to close the '(' at " + token.pos());
        yield inner;
      }
      case WORD -> word(token);
      default -> throw expressionExpected();
    };
  }

  private Expr word(Token token) {
    switch (token.text()) {
      case "null", "true", "false", "interval" -> {
        return literal();
      }
      case "case" -> {
        return caseExpression();
      }
      default -> {
        if (Identifiers.isReserved(token.text())) {
          throw expressionExpected();
        }
        return in.peek(1).kind() == TokenKind.LEFT_PAREN ? calls.call() : field();
      }
    }
  }

  private Expr caseExpression() {
    var start = in.advance();
    in.enter(start);
    var operand = in.atWord("when") ? Optional.<Expr>empty() : Optional.of(expression());
    var whens = new ArrayList<Expr.When>();
    while (in.atWord("when")) {
      var when = in.advance();
      var condition = expression();
      in.expectWord("then");
      whens.add(new Expr.When(condition, expression(), when.pos()));
    }
    if (whens.isEmpty()) {
      throw in.failHere("WHEN " + in.afterPrevious(), List.of("WHEN"));
    }
    var otherwise = in.acceptWord("else") ? Optional.of(expression()) : Optional.<Expr>empty();
    if (!in.acceptWord("end")) {
      throw in.failHere(
          (otherwise.isEmpty() ? "WHEN, ELSE or END" : "END")
              + " to continue the CASE at "
              + start.pos(),
          List.of("WHEN", "ELSE", "END"));
    }
    in.exit();
    return new Expr.Case(operand, whens, otherwise, start.pos());
  }

  private Expr.Field field() {
    var first = in.advance();
    var path = new ArrayList<String>();
    path.add(in.checkedLength(first));
    while (in.accept(TokenKind.DOT)) {
      var segment = in.peek();
      if (segment.kind() != TokenKind.WORD && segment.kind() != TokenKind.QUOTED_NAME) {
        throw in.failHere("a field name after '.'", List.of());
      }
      path.add(in.checkedLength(in.advance()));
    }
    var head = path.get(0);
    if (head.startsWith("_") && !ENVELOPE.contains(head)) {
      throw in.error(
          first.pos(),
          ErrorCode.UNKNOWN_ENVELOPE_FIELD,
          "unknown envelope field " + head + " (fields starting with _ are the envelope's)",
          Hints.didYouMean(head, ENVELOPE)
              .map(name -> "did you mean " + name + "?")
              .orElse("the envelope has " + String.join(", ", new TreeSet<>(ENVELOPE))));
    }
    return new Expr.Field(path, first.pos());
  }

  private Expr.Literal number(Token digits, String text, Position pos) {
    if (digits.kind() == TokenKind.DECIMAL) {
      return new Expr.DecimalLiteral(new BigDecimal(text), pos);
    }
    return new Expr.IntegerLiteral(integer(text, pos), pos);
  }

  private long integer(String text, Position pos) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException outOfRange) {
      throw in.error(
          pos,
          ErrorCode.INVALID_NUMBER,
          "integer " + text + " does not fit in 64 bits",
          "write " + text + ".0 for a decimal");
    }
  }

  private static boolean isNumber(Token token) {
    return token.kind() == TokenKind.INTEGER || token.kind() == TokenKind.DECIMAL;
  }

  private static BinaryOperator comparisonOperator(Token token) {
    return switch (token.kind()) {
      case EQ -> BinaryOperator.EQ;
      case NE -> BinaryOperator.NE;
      case LT -> BinaryOperator.LT;
      case LE -> BinaryOperator.LE;
      case GT -> BinaryOperator.GT;
      case GE -> BinaryOperator.GE;
      default -> null;
    };
  }

  private LanguageException expressionExpected() {
    return in.failHere("an expression " + in.afterPrevious(), List.of());
  }

  private LanguageException literalExpected() {
    return in.failHere(
        "a literal (number, string, TRUE, FALSE, NULL or INTERVAL) " + in.afterPrevious(),
        List.of());
  }
}
