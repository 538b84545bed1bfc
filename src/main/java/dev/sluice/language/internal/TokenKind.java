package dev.sluice.language.internal;

enum TokenKind {
  /** An unquoted word, keyword or name; its text is folded to lower case. */
  WORD,
  /** A name in double quotes or backquotes; its text is kept as written. */
  QUOTED_NAME,
  STRING,
  INTEGER,
  DECIMAL,
  PIPE,
  CONCAT,
  LEFT_PAREN,
  RIGHT_PAREN,
  COMMA,
  SEMICOLON,
  DOT,
  STAR,
  PLUS,
  MINUS,
  SLASH,
  PERCENT,
  EQ,
  NE,
  LT,
  LE,
  GT,
  GE,
  END_OF_INPUT
}
