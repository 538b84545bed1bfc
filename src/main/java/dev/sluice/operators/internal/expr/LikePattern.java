package dev.sluice.operators.internal.expr;

import java.util.regex.Pattern;

/** SQL LIKE: {@code %} any run of characters, {@code _} one, {@code \} escapes the next. */
final class LikePattern {
  private LikePattern() {}

  static Pattern compile(String like) {
    var regex = new StringBuilder();
    for (var i = 0; i < like.length(); i++) {
      var c = like.charAt(i);
      if (c == '\\' && i + 1 < like.length()) {
        regex.append(Pattern.quote(String.valueOf(like.charAt(++i))));
      } else if (c == '%') {
        regex.append(".*");
      } else if (c == '_') {
        regex.append('.');
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }
}
