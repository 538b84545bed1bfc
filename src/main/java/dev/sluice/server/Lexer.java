package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import java.util.ArrayList;
import java.util.List;

/** Splits statement text into tokens, tracking line and column for error messages. */
final class Lexer {
  private final String text;
  private final List<Lexeme> tokens = new ArrayList<>();
  private int at;
  private int line = 1;
  private int lineStart;

  private Lexer(String text) {
    this.text = text;
  }

  static List<Lexeme> of(String text) {
    return new Lexer(text).scan();
  }

  private List<Lexeme> scan() {
    while (true) {
      skipSpaceAndComments();
      int column = at - lineStart + 1;
      if (at >= text.length()) {
        tokens.add(new Lexeme(Lexeme.Kind.END, "", line, column));
        return tokens;
      }
      char c = text.charAt(at);
      int start = at;
      if (Character.isLetter(c) || c == '_') {
        while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_')) {
          at++;
        }
        tokens.add(new Lexeme(Lexeme.Kind.WORD, text.substring(start, at), line, column));
      } else if (Character.isDigit(c)) {
        while (at < text.length() && Character.isDigit(text.charAt(at))) {
          at++;
        }
        tokens.add(new Lexeme(Lexeme.Kind.NUMBER, text.substring(start, at), line, column));
      } else if (c == '"') {
        tokens.add(new Lexeme(Lexeme.Kind.QUOTED, quoted(column), line, column));
      } else {
        at++;
        Lexeme.Kind kind = c == ';' ? Lexeme.Kind.SEMICOLON : Lexeme.Kind.OTHER;
        tokens.add(new Lexeme(kind, String.valueOf(c), line, column));
      }
    }
  }

  /** A quoted name; {@code ""} inside stands for one quote, as in SQL. */
  private String quoted(int column) {
    StringBuilder name = new StringBuilder();
    at++;
    while (at < text.length()) {
      char c = text.charAt(at++);
      if (c == '"') {
        if (at < text.length() && text.charAt(at) == '"') {
          name.append('"');
          at++;
        } else {
          return name.toString();
        }
      } else if (c == '\n') {
        break;
      } else {
        name.append(c);
      }
    }
    throw new InputError(ErrorCode.INVALID_STATEMENT, 0, line, column, "the quoted name is not closed on its line");
  }

  private void skipSpaceAndComments() {
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c == '\n') {
        at++;
        line++;
        lineStart = at;
      } else if (Character.isWhitespace(c)) {
        at++;
      } else if (c == '-' && at + 1 < text.length() && text.charAt(at + 1) == '-') {
        while (at < text.length() && text.charAt(at) != '\n') {
          at++;
        }
      } else {
        return;
      }
    }
  }
}
