package dev.sluice.language.internal;

import dev.sluice.language.ErrorCode;
import dev.sluice.language.Hints;
import dev.sluice.language.LanguageException;
import dev.sluice.language.ast.Identifiers;
import dev.sluice.language.ast.Name;
import dev.sluice.language.ast.Position;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The parsers' shared view of the tokens: where they are, what comes next, and how to say "expected
 * …, found …" about it.
 */
final class Cursor {
  /** Deeper nesting than this is refused rather than risking the parsing thread's stack. */
  static final int DEPTH_LIMIT = 100;

  static final int NAME_LENGTH_LIMIT = 128;

  private static final int SHOWN_LENGTH_LIMIT = 40;

  private final String source;
  private final List<Token> tokens;
  private int index;
  private int depth;

  Cursor(String source) {
    this.source = source;
    this.tokens = Lexer.tokenize(source);
  }

  Token peek() {
    return tokens.get(index);
  }

  Token peek(int ahead) {
    return tokens.get(Math.min(index + ahead, tokens.size() - 1));
  }

  Token previous() {
    return tokens.get(index - 1);
  }

  Token advance() {
    var token = peek();
    if (token.kind() != TokenKind.END_OF_INPUT) {
      index++;
    }
    return token;
  }

  boolean at(TokenKind kind) {
    return peek().kind() == kind;
  }

  boolean accept(TokenKind kind) {
    if (at(kind)) {
      advance();
      return true;
    }
    return false;
  }

  /** True if the next token is the unquoted word, given in lower case; quoted names never are. */
  boolean atWord(String word) {
    return peek().isWord(word);
  }

  boolean acceptWord(String word) {
    if (atWord(word)) {
      advance();
      return true;
    }
    return false;
  }

  Token expect(TokenKind kind, String expected) {
    if (!at(kind)) {
      throw failHere(expected, List.of());
    }
    return advance();
  }

  Token expectWord(String word) {
    if (!atWord(word)) {
      var upper = word.toUpperCase(Locale.ROOT);
      throw failHere(upper + " " + afterPrevious(), List.of(upper));
    }
    return advance();
  }

  /**
   * "expected {expected}, found {next token}". When the next token is a word close to one of {@code
   * keywords}, the hint asks whether that keyword was meant.
   */
  LanguageException failHere(String expected, Collection<String> keywords) {
    var found = peek();
    String hint = null;
    if (found.kind() == TokenKind.WORD
        && !keywords.contains(found.text().toUpperCase(Locale.ROOT))) {
      hint =
          Hints.didYouMean(found.raw(), keywords).map(k -> "did you mean " + k + "?").orElse(null);
    }
    return error(
        found.pos(),
        ErrorCode.SYNTAX_ERROR,
        "expected " + expected + ", found " + found(found),
        hint);
  }

  LanguageException error(Position at, ErrorCode code, String reason, String hint) {
    return LanguageException.at(source, at, code, reason, hint);
  }

  /** How a token is named when it was not what the grammar wanted. */
  String found(Token token) {
    return switch (token.kind()) {
      case END_OF_INPUT -> "end of input";
      case STRING -> "string " + shorten(token.raw());
      case WORD ->
          Identifiers.isReserved(token.text())
              ? "keyword " + token.text().toUpperCase(Locale.ROOT)
              : "'" + shorten(token.raw()) + "'";
      default -> "'" + shorten(token.raw()) + "'";
    };
  }

  /** Where the parser stands, named by the token before it: "after WHERE", "after '='". */
  String afterPrevious() {
    if (index == 0) {
      return "at the start";
    }
    var token = previous();
    var upper = token.text().toUpperCase(Locale.ROOT);
    if (token.kind() == TokenKind.WORD && Keywords.ALL.contains(upper)) {
      return "after " + upper;
    }
    if (token.kind() == TokenKind.STRING) {
      return "after " + shorten(token.raw());
    }
    return "after '" + shorten(token.raw()) + "'";
  }

  /**
   * The name of a stream, view, alias or other object, e.g. {@code name("a stream name")}. A
   * reserved word or a hyphenated name is refused with a hint on how to write it.
   */
  Name name(String what) {
    requireName(what);
    var token = advance();
    rejectHyphenatedPrevious();
    return new Name(checkedLength(token), token.pos());
  }

  /** Refuses, with the reason, a next token that cannot begin a name. */
  void requireName(String what) {
    var token = peek();
    if (token.kind() == TokenKind.QUOTED_NAME) {
      return;
    }
    if (token.kind() != TokenKind.WORD) {
      throw failHere(what + " " + afterPrevious(), List.of());
    }
    if (Identifiers.isReserved(token.text())) {
      throw error(
          token.pos(),
          ErrorCode.INVALID_NAME,
          "expected " + what + " " + afterPrevious() + ", found " + found(token),
          "to use a reserved word as a name, quote it: \"" + token.text() + "\"");
    }
  }

  /** Text of a word or quoted name used as a name, refused past the length limit. */
  String checkedLength(Token token) {
    if (token.text().length() > NAME_LENGTH_LIMIT) {
      throw error(
          token.pos(),
          ErrorCode.INVALID_NAME,
          "name is "
              + token.text().length()
              + " characters long, more than the limit of "
              + NAME_LENGTH_LIMIT,
          null);
    }
    return token.text();
  }

  /**
   * {@code orders-v2} reads as a subtraction; where only a name can stand, say so at the name just
   * read rather than failing later at the '-'.
   */
  void rejectHyphenatedPrevious() {
    var word = previous();
    if (word.kind() != TokenKind.WORD) {
      return;
    }
    var last = word;
    var i = index;
    while (i + 1 < tokens.size()
        && tokens.get(i).kind() == TokenKind.MINUS
        && last.touches(tokens.get(i))
        && tokens.get(i).touches(tokens.get(i + 1))
        && (tokens.get(i + 1).kind() == TokenKind.WORD
            || tokens.get(i + 1).kind() == TokenKind.INTEGER)) {
      last = tokens.get(i + 1);
      i += 2;
    }
    if (last != word) {
      var written = source.substring(word.start(), last.end());
      throw error(
          word.pos(),
          ErrorCode.INVALID_NAME,
          "a name cannot contain '-': " + written,
          "quote it as \"" + written + "\" or write " + written.replace('-', '_'));
    }
  }

  void enter(Token at) {
    if (++depth > DEPTH_LIMIT) {
      throw error(
          at.pos(),
          ErrorCode.TOO_DEEPLY_NESTED,
          "nested more than " + DEPTH_LIMIT + " levels deep",
          "split the expression or pipeline into views");
    }
  }

  void exit() {
    depth--;
  }

  private static String shorten(String text) {
    return text.length() <= SHOWN_LENGTH_LIMIT ? text : text.substring(0, SHOWN_LENGTH_LIMIT) + "…";
  }
}
