package dev.sluice.language.internal;

import dev.sluice.language.ErrorCode;
import dev.sluice.language.LanguageException;
import dev.sluice.language.ast.Position;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Splits source text into tokens, dropping whitespace and comments. */
final class Lexer {
  private final String source;
  private final List<Token> tokens = new ArrayList<>();
  private int offset;
  private int line = 1;
  private int column = 1;
  private int tokenStart;
  private Position tokenPos;

  private Lexer(String source) {
    this.source = source;
  }

  /** The tokens of {@code source}, always ending with one END_OF_INPUT. */
  static List<Token> tokenize(String source) {
    var lexer = new Lexer(source);
    lexer.run();
    return List.copyOf(lexer.tokens);
  }

  private void run() {
    skipSpaceAndComments();
    while (offset < source.length()) {
      tokenStart = offset;
      tokenPos = new Position(line, column);
      tokens.add(next());
      skipSpaceAndComments();
    }
    // End of input sits right after the last token, so "found end of input" points at that line.
    var last = tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
    var endPos = last == null ? new Position(1, 1) : endOf(last);
    var endOffset = last == null ? 0 : last.end();
    tokens.add(new Token(TokenKind.END_OF_INPUT, "", "", endPos, endOffset, endOffset));
  }

  private Token next() {
    var c = source.charAt(offset);
    if (isWordStart(c)) {
      return word();
    }
    if (c >= '0' && c <= '9') {
      return number();
    }
    return switch (c) {
      case '\'' -> string();
      case '"', '`' -> quotedName(c);
      case '|' -> pipeOrConcat();
      case '(' -> symbol(TokenKind.LEFT_PAREN, 1);
      case ')' -> symbol(TokenKind.RIGHT_PAREN, 1);
      case ',' -> symbol(TokenKind.COMMA, 1);
      case ';' -> symbol(TokenKind.SEMICOLON, 1);
      case '.' -> symbol(TokenKind.DOT, 1);
      case '*' -> symbol(TokenKind.STAR, 1);
      case '+' -> symbol(TokenKind.PLUS, 1);
      case '-' -> symbol(TokenKind.MINUS, 1);
      case '/' -> symbol(TokenKind.SLASH, 1);
      case '%' -> symbol(TokenKind.PERCENT, 1);
      case '=' -> {
        if (peek(1) == '=') {
          throw error(ErrorCode.SYNTAX_ERROR, "unexpected '=='", "compare with a single '='");
        }
        yield symbol(TokenKind.EQ, 1);
      }
      case '!' -> {
        if (peek(1) == '=') {
          yield symbol(TokenKind.NE, 2);
        }
        throw error(
            ErrorCode.SYNTAX_ERROR,
            "unexpected '!'",
            "write != or <> for 'not equal', NOT to negate");
      }
      case '<' ->
          peek(1) == '='
              ? symbol(TokenKind.LE, 2)
              : peek(1) == '>' ? symbol(TokenKind.NE, 2) : symbol(TokenKind.LT, 1);
      case '>' -> peek(1) == '=' ? symbol(TokenKind.GE, 2) : symbol(TokenKind.GT, 1);
      default -> throw unexpectedCharacter(c);
    };
  }

  private Token word() {
    advanceWhile(Lexer::isWordPart);
    if (offset < source.length() && Character.isLetterOrDigit(source.charAt(offset))) {
      advanceWhile(c -> Character.isLetterOrDigit(c) || c == '_');
      throw badName("names without quotes use only the letters A-Z, digits and _");
    }
    var raw = source.substring(tokenStart, offset);
    return new Token(
        TokenKind.WORD, raw.toLowerCase(Locale.ROOT), raw, tokenPos, tokenStart, offset);
  }

  private Token number() {
    advanceWhile(Lexer::isDigit);
    var kind = TokenKind.INTEGER;
    if (peek(0) == '.' && isDigit(peek(1))) {
      advance();
      advanceWhile(Lexer::isDigit);
      kind = TokenKind.DECIMAL;
    }
    if (offset < source.length() && Character.isLetter(source.charAt(offset)) || peek(0) == '_') {
      if (kind == TokenKind.DECIMAL) {
        var number = source.substring(tokenStart, offset);
        throw error(
            ErrorCode.SYNTAX_ERROR,
            "unexpected '" + peek(0) + "' right after the number " + number,
            "numbers are written as digits with an optional decimal point, without exponent");
      }
      advanceWhile(c -> Character.isLetterOrDigit(c) || c == '_');
      var written = source.substring(tokenStart, offset);
      if (written.chars().allMatch(c -> isDigit((char) c) || c == '_')) {
        throw error(
            ErrorCode.SYNTAX_ERROR,
            "digits cannot be grouped with _: " + written,
            "write " + written.replace("_", ""));
      }
      throw badName("a name cannot start with a digit");
    }
    var raw = source.substring(tokenStart, offset);
    return new Token(kind, raw, raw, tokenPos, tokenStart, offset);
  }

  private Token string() {
    var value = enclosed('\'');
    if (value == null) {
      throw error(
          ErrorCode.SYNTAX_ERROR,
          "string is never closed",
          "end it with ' and write '' for a quote inside it");
    }
    return new Token(TokenKind.STRING, value, raw(), tokenPos, tokenStart, offset);
  }

  private Token quotedName(char quote) {
    var value = enclosed(quote);
    if (value == null) {
      throw error(ErrorCode.SYNTAX_ERROR, "quoted name is never closed", "end it with " + quote);
    }
    if (value.isEmpty()) {
      throw error(ErrorCode.INVALID_NAME, "a quoted name cannot be empty", null);
    }
    return new Token(TokenKind.QUOTED_NAME, value, raw(), tokenPos, tokenStart, offset);
  }

  /**
   * The text between quotes with doubled quotes undone, or null if the closing quote is missing.
   */
  private String enclosed(char quote) {
    advance();
    var value = new StringBuilder();
    while (offset < source.length()) {
      var c = advance();
      if (c != quote) {
        value.append(c);
      } else if (peek(0) == quote) {
        advance();
        value.append(quote);
      } else {
        return value.toString();
      }
    }
    return null;
  }

  private Token pipeOrConcat() {
    return switch (peek(1)) {
      case '>' -> symbol(TokenKind.PIPE, 2);
      case '|' -> symbol(TokenKind.CONCAT, 2);
      default ->
          throw error(
              ErrorCode.SYNTAX_ERROR, "unexpected '|'", "write |> to pipe or || to concatenate");
    };
  }

  private Token symbol(TokenKind kind, int length) {
    for (var i = 0; i < length; i++) {
      advance();
    }
    var raw = raw();
    return new Token(kind, raw, raw, tokenPos, tokenStart, offset);
  }

  private void skipSpaceAndComments() {
    while (offset < source.length()) {
      var c = source.charAt(offset);
      // Non-breaking spaces come along when statements are pasted from web pages.
      if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
        advance();
      } else if (c == '-' && peek(1) == '-') {
        advanceWhile(ch -> ch != '\n' && ch != '\r');
      } else if (c == '/' && peek(1) == '*') {
        blockComment();
      } else {
        return;
      }
    }
  }

  private void blockComment() {
    tokenStart = offset;
    tokenPos = new Position(line, column);
    advance();
    advance();
    while (offset < source.length()) {
      if (advance() == '*' && peek(0) == '/') {
        advance();
        return;
      }
    }
    throw error(ErrorCode.SYNTAX_ERROR, "comment is never closed", "end it with */");
  }

  private LanguageException unexpectedCharacter(char c) {
    var shown = c >= ' ' && c <= '~' ? "'" + c + "'" : String.format("U+%04X", (int) c);
    if (Character.isLetter(c)) {
      advanceWhile(ch -> Character.isLetterOrDigit(ch) || ch == '_');
      return badName("names without quotes use only the letters A-Z, digits and _");
    }
    return error(ErrorCode.SYNTAX_ERROR, "unexpected character " + shown, null);
  }

  private LanguageException badName(String why) {
    var word = source.substring(tokenStart, offset);
    return error(
        ErrorCode.INVALID_NAME,
        why + ": " + word,
        "quote it as \"" + word.replace("\"", "\"\"") + "\"");
  }

  private LanguageException error(ErrorCode code, String reason, String hint) {
    return LanguageException.at(source, tokenPos, code, reason, hint);
  }

  private Position endOf(Token token) {
    var endLine = token.pos().line();
    var endColumn = token.pos().column();
    for (var i = token.start(); i < token.end(); i++) {
      var c = source.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 == source.length() || source.charAt(i + 1) != '\n'))) {
        endLine++;
        endColumn = 1;
      } else {
        endColumn++;
      }
    }
    return new Position(endLine, endColumn);
  }

  private String raw() {
    return source.substring(tokenStart, offset);
  }

  private char peek(int ahead) {
    var at = offset + ahead;
    return at < source.length() ? source.charAt(at) : '\0';
  }

  private char advance() {
    var c = source.charAt(offset++);
    if (c == '\n' || (c == '\r' && peek(0) != '\n')) {
      line++;
      column = 1;
    } else {
      column++;
    }
    return c;
  }

  private void advanceWhile(CharPredicate predicate) {
    while (offset < source.length() && predicate.test(source.charAt(offset))) {
      advance();
    }
  }

  private interface CharPredicate {
    boolean test(char c);
  }

  private static boolean isWordStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean isWordPart(char c) {
    return isWordStart(c) || isDigit(c);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
