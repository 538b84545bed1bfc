package dev.sluice.language.ast;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * How names are written in source. Reserved words are the ones that would make an expression
 * ambiguous or an error message misleading if they could also be bare names; every other keyword
 * (KEY, STREAM, WINDOW, …) is recognised only where the grammar expects it, so it stays usable as a
 * field name.
 */
public final class Identifiers {
  private static final Set<String> RESERVED =
      Set.of(
          "all",
          "and",
          "as",
          "between",
          "by",
          "case",
          "create",
          "distinct",
          "drop",
          "else",
          "end",
          "false",
          "from",
          "group",
          "in",
          "interval",
          "is",
          "join",
          "left",
          "like",
          "limit",
          "not",
          "null",
          "on",
          "or",
          "order",
          "select",
          "then",
          "true",
          "union",
          "using",
          "when",
          "where",
          "with");

  private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_]*");

  private Identifiers() {}

  /** True for a word (any case) that must be quoted to be used as a name. */
  public static boolean isReserved(String word) {
    return RESERVED.contains(word.toLowerCase(Locale.ROOT));
  }

  /** The reserved words in upper case, sorted, for documentation and hints. */
  public static Set<String> reserved() {
    var upper = new TreeSet<String>();
    RESERVED.forEach(word -> upper.add(word.toUpperCase(Locale.ROOT)));
    return upper;
  }

  /** The name as source text that parses back to exactly this name. */
  public static String toSql(String name) {
    if (PLAIN.matcher(name).matches() && !RESERVED.contains(name)) {
      return name;
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }
}
