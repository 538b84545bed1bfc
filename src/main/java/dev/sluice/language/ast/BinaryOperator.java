package dev.sluice.language.ast;

/**
 * Infix operators with their binding strength, as in PostgreSQL: OR binds loosest, then AND, then
 * comparisons, then {@code ||}, then additive, then multiplicative. NOT (3), IS (4) and the
 * predicates IN/LIKE/BETWEEN (6) sit between; see {@code ExprPrinter}.
 */
public enum BinaryOperator {
  OR("OR", 1),
  AND("AND", 2),
  EQ("=", 5),
  NE("<>", 5),
  LT("<", 5),
  LE("<=", 5),
  GT(">", 5),
  GE(">=", 5),
  CONCAT("||", 7),
  ADD("+", 8),
  SUBTRACT("-", 8),
  MULTIPLY("*", 9),
  DIVIDE("/", 9),
  MODULO("%", 9);

  private final String symbol;
  private final int precedence;

  BinaryOperator(String symbol, int precedence) {
    this.symbol = symbol;
    this.precedence = precedence;
  }

  public String symbol() {
    return symbol;
  }

  public int precedence() {
    return precedence;
  }

  /** Comparisons do not chain: {@code a < b < c} is an error, not {@code (a < b) < c}. */
  public boolean isComparison() {
    return precedence == 5;
  }
}
