package dev.sluice.engine;

import java.util.List;
import java.util.Objects;

/**
 * What an index view indexes its pipeline's rows by.
 *
 * @param fields for a secondary index the fields whose values are looked up (in order); for a search
 *     index the text fields that are analyzed and searched. Each is a dotted path ({@code a.b}).
 * @param facets for a search index, the fields whose values are counted per query
 * @param statement the CREATE statement, as {@code DESCRIBE} and {@code GET /views} show it
 */
public record IndexSpec(Kind kind, List<String> fields, List<String> facets, String statement) {
  public enum Kind {
    INDEX("index"),
    SEARCH("search index");

    private final String wireName;

    Kind(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  public IndexSpec {
    Objects.requireNonNull(kind, "kind");
    fields = List.copyOf(fields);
    facets = facets == null ? List.of() : List.copyOf(facets);
    Objects.requireNonNull(statement, "statement");
    if (fields.isEmpty()) {
      throw new IllegalArgumentException("an index has at least one field");
    }
  }
}
