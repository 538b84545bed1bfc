package dev.sluice.language.internal;

import dev.sluice.language.ast.Position;

/**
 * A token with where it came from: {@code start} and {@code end} are offsets into the source, so
 * the parser can tell whether two tokens touch ({@code orders-v2}) and quote what the user wrote.
 *
 * @param text a word in lower case, a quoted name or string unquoted, a number's digits, or a
 *     symbol
 */
record Token(TokenKind kind, String text, String raw, Position pos, int start, int end) {
  boolean isWord(String word) {
    return kind == TokenKind.WORD && text.equals(word);
  }

  boolean touches(Token next) {
    return end == next.start;
  }
}
