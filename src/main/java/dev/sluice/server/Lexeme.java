package dev.sluice.server;

import java.util.Locale;

/** One lexical token of a statement, with where it starts (1-based). */
record Lexeme(Kind kind, String text, int line, int column) {
  enum Kind {
    WORD,
    QUOTED,
    NUMBER,
    SEMICOLON,
    OTHER,
    END
  }

  boolean isWord(String keyword) {
    return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
  }

  String describe() {
    return switch (kind) {
      case END -> "the end";
      case QUOTED -> "\"" + text + "\"";
      case WORD -> text.toUpperCase(Locale.ROOT).equals(text) ? text : "'" + text + "'";
      default -> "'" + text + "'";
    };
  }
}
