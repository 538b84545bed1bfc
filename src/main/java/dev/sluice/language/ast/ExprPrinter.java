package dev.sluice.language.ast;

import java.util.List;

/**
 * Prints expressions so that they parse back to the same tree. A child is parenthesised only when
 * the parser would otherwise bind it differently; the levels mirror {@code ExpressionParser}.
 */
final class ExprPrinter {
  private static final int NOT = 3;
  private static final int IS = 4;
  private static final int PREDICATE = 6;
  private static final int CONCAT = BinaryOperator.CONCAT.precedence();
  private static final int NEGATE = 10;
  private static final int PRIMARY = 11;

  private ExprPrinter() {}

  static String print(Expr expr) {
    var out = new StringBuilder();
    write(out, expr, 0);
    return out.toString();
  }

  private static void write(StringBuilder out, Expr expr, int minimum) {
    var parenthesise = precedence(expr) < minimum;
    if (parenthesise) {
      out.append('(');
    }
    writeBare(out, expr);
    if (parenthesise) {
      out.append(')');
    }
  }

  private static int precedence(Expr expr) {
    return switch (expr) {
      case Expr.Binary binary -> binary.op().precedence();
      case Expr.Not not -> NOT;
      case Expr.IsNull isNull -> IS;
      case Expr.In in -> PREDICATE;
      case Expr.Like like -> PREDICATE;
      case Expr.Between between -> PREDICATE;
      case Expr.Negate negate -> NEGATE;
      default -> PRIMARY;
    };
  }

  private static void writeBare(StringBuilder out, Expr expr) {
    switch (expr) {
      case Expr.Literal literal -> out.append(literal(literal));
      case Expr.Field field -> out.append(field(field));
      case Expr.Negate negate -> writeNegate(out, negate);
      case Expr.Not not -> {
        out.append("NOT ");
        write(out, not.operand(), NOT);
      }
      case Expr.Binary binary -> {
        var precedence = binary.op().precedence();
        write(out, binary.left(), binary.op().isComparison() ? precedence + 1 : precedence);
        out.append(' ').append(binary.op().symbol()).append(' ');
        write(out, binary.right(), precedence + 1);
      }
      case Expr.In in -> {
        write(out, in.value(), CONCAT);
        out.append(in.negated() ? " NOT IN (" : " IN (");
        writeList(out, in.list());
        out.append(')');
      }
      case Expr.Like like -> {
        write(out, like.value(), CONCAT);
        out.append(like.negated() ? " NOT LIKE " : " LIKE ");
        write(out, like.pattern(), CONCAT);
      }
      case Expr.Between between -> {
        write(out, between.value(), CONCAT);
        out.append(between.negated() ? " NOT BETWEEN " : " BETWEEN ");
        write(out, between.low(), CONCAT);
        out.append(" AND ");
        write(out, between.high(), CONCAT);
      }
      case Expr.IsNull isNull -> {
        write(out, isNull.value(), IS);
        out.append(isNull.negated() ? " IS NOT NULL" : " IS NULL");
      }
      case Expr.Case caseExpr -> writeCase(out, caseExpr);
      case Expr.Call call -> {
        out.append(call.function()).append('(');
        writeList(out, call.arguments());
        out.append(')');
      }
      case Expr.AggregateCall aggregate -> {
        out.append(aggregate.function().sqlName()).append('(');
        if (aggregate.distinct()) {
          out.append("DISTINCT ");
        }
        aggregate
            .argument()
            .ifPresentOrElse(argument -> write(out, argument, 0), () -> out.append('*'));
        out.append(')');
      }
    }
  }

  /**
   * {@code -5} would parse back as the literal -5, and {@code --x} as a comment, so a number or a
   * minus under a negation is parenthesised.
   */
  private static void writeNegate(StringBuilder out, Expr.Negate negate) {
    var operand = new StringBuilder();
    write(operand, negate.operand(), NEGATE);
    var numeric =
        negate.operand() instanceof Expr.IntegerLiteral
            || negate.operand() instanceof Expr.DecimalLiteral;
    if (numeric || operand.charAt(0) == '-') {
      out.append("-(").append(operand).append(')');
    } else {
      out.append('-').append(operand);
    }
  }

  private static void writeCase(StringBuilder out, Expr.Case caseExpr) {
    out.append("CASE");
    caseExpr.operand().ifPresent(operand -> write(out.append(' '), operand, 0));
    for (var when : caseExpr.whens()) {
      write(out.append(" WHEN "), when.condition(), 0);
      write(out.append(" THEN "), when.result(), 0);
    }
    caseExpr.otherwise().ifPresent(otherwise -> write(out.append(" ELSE "), otherwise, 0));
    out.append(" END");
  }

  private static void writeList(StringBuilder out, List<Expr> exprs) {
    for (var i = 0; i < exprs.size(); i++) {
      if (i > 0) {
        out.append(", ");
      }
      write(out, exprs.get(i), 0);
    }
  }

  private static String literal(Expr.Literal literal) {
    return switch (literal) {
      case Expr.NullLiteral nullLiteral -> "NULL";
      case Expr.BooleanLiteral bool -> bool.value() ? "TRUE" : "FALSE";
      case Expr.IntegerLiteral integer -> Long.toString(integer.value());
      case Expr.DecimalLiteral decimal -> decimal.value().toPlainString();
      case Expr.StringLiteral string -> "'" + string.value().replace("'", "''") + "'";
      case Expr.IntervalLiteral interval -> "INTERVAL " + interval.amount() + " " + interval.unit();
    };
  }

  private static String field(Expr.Field field) {
    var out = new StringBuilder();
    for (var segment : field.path()) {
      if (!out.isEmpty()) {
        out.append('.');
      }
      out.append(Identifiers.toSql(segment));
    }
    return out.toString();
  }
}
