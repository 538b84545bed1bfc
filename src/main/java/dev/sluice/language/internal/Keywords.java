package dev.sluice.language.internal;

import dev.sluice.language.ast.Identifiers;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Keyword sets in upper case, as offered in "did you mean" hints. */
final class Keywords {
  static final List<String> STATEMENT_STARTS =
      List.of("CREATE", "DROP", "SHOW", "DESCRIBE", "FROM");

  static final List<String> CREATABLE =
      List.of("STREAM", "TABLE", "VIEW", "INDEX", "SEARCH", "CONSTRAINT");

  static final List<String> PIPE_OPERATORS =
      List.of(
          "WHERE",
          "SELECT",
          "EXTEND",
          "AGGREGATE",
          "JOIN",
          "LEFT",
          "UNION",
          "WINDOW",
          "ORDER",
          "LIMIT");

  static final List<String> UNITS =
      List.of(
          "MILLISECOND",
          "MILLISECONDS",
          "SECOND",
          "SECONDS",
          "MINUTE",
          "MINUTES",
          "HOUR",
          "HOURS",
          "DAY",
          "DAYS");

  /** Every word the grammar gives a meaning to, for hints where any of them could fit. */
  static final Set<String> ALL = all();

  private Keywords() {}

  private static Set<String> all() {
    var all = new TreeSet<>(Identifiers.reserved());
    all.addAll(STATEMENT_STARTS);
    all.addAll(CREATABLE);
    all.addAll(PIPE_OPERATORS);
    all.addAll(UNITS);
    all.addAll(
        List.of(
            "ASC",
            "DESC",
            "EXISTS",
            "FACETS",
            "HOP",
            "IF",
            "KEY",
            "LATENESS",
            "PARTITIONS",
            "REPLACE",
            "TUMBLE",
            "UNIQUE",
            "STREAMS",
            "TABLES",
            "VIEWS",
            "INDEXES",
            "CONSTRAINTS"));
    return Set.copyOf(all);
  }
}
