package dev.sluice.server;

import dev.sluice.language.LanguageException;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Expr;
import dev.sluice.log.StreamSpec;
import java.util.List;

/**
 * The value member a stream's {@code KEY} names. A stream stores its key field as the language
 * writes a field ({@code order_id}, {@code payment.id}, {@code "order-id"}), so it is read back the
 * same way; text that is not a field is taken as one top-level member name.
 */
final class KeyPath {
  private KeyPath() {}

  /** The member names from the top of the event down to the key; null when the stream has no KEY. */
  static List<String> of(StreamSpec spec) {
    String field = spec.keyField();
    if (field == null) {
      return null;
    }
    try {
      return Parser.parseExpression(field) instanceof Expr.Field path ? path.path() : List.of(field);
    } catch (LanguageException e) {
      return List.of(field);
    }
  }
}
