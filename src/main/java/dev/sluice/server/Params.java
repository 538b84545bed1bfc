package dev.sluice.server;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import io.javalin.http.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query parameters of one request, checked: an unknown or repeated parameter is an error
 * rather than silently ignored, so a typo ({@code ?ofset=5}) cannot quietly read from 0.
 */
final class Params {
  private final Map<String, String> values;

  private Params(Map<String, String> values) {
    this.values = values;
  }

  /** Parses the raw query string itself, because a lenient decoder turns bad escapes into guesses. */
  static Params of(Context ctx, Set<String> known) {
    Map<String, String> values = new HashMap<>();
    String query = ctx.queryString();
    for (String pair : query == null ? new String[0] : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!known.contains(name)) {
        String expected = known.isEmpty() ? "this endpoint takes none" : "known: " + String.join(", ", new TreeSet<>(known));
        throw invalid("unknown parameter '" + name + "' (" + expected + ")");
      }
      if (values.put(name, value) != null) {
        throw invalid("parameter '" + name + "' is given more than once");
      }
    }
    return new Params(values);
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid("the query string is not valid URL encoding: '" + text + "'");
    }
  }

  /** The parameter's text, or null when absent. */
  String text(String name) {
    return values.get(name);
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  long number(String name, long fallback, long min, long max) {
    if (!has(name)) {
      return fallback;
    }
    String text = values.get(name);
    try {
      long n = Long.parseLong(text);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the message that says what is allowed
    }
    throw invalid("parameter '" + name + "' must be a whole number from " + min + " to " + max + ", got '" + text + "'");
  }

  boolean flag(String name) {
    if (!has(name)) {
      return false;
    }
    String text = values.get(name);
    return switch (text) {
      case "true", "" -> true;
      case "false" -> false;
      default -> throw invalid("parameter '" + name + "' must be true or false, got '" + text + "'");
    };
  }

  private static LogException invalid(String message) {
    return new LogException(ErrorCode.INVALID_ARGUMENT, message);
  }
}
