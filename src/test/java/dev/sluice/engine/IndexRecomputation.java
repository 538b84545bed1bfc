package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.EventLog;
import dev.sluice.log.Token;
import dev.sluice.operators.RowKey;
import dev.sluice.stores.search.SearchIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an index and a search index must hold, recomputed from the log as a batch, and what they
 * hold, read through the engine's API. Tests compare the two.
 */
final class IndexRecomputation {
  private static final ObjectMapper JSON = new ObjectMapper();

  private IndexRecomputation() {}

  /** The batch rows of {@code pipeline} grouped by the text of {@code field}: value → sorted row JSONs. */
  static Map<String, List<String>> expectedLookups(String pipeline, String field, EventLog log) {
    Map<String, List<String>> out = new TreeMap<>();
    for (String json : Recomputation.batch(pipeline, log, Recomputation.history(log)).values()) {
      out.computeIfAbsent(text(json, field), k -> new ArrayList<>()).add(json);
    }
    out.values().forEach(l -> l.sort(null));
    return out;
  }

  /** What the index answers for each of {@code values}, paged {@code pageSize} rows at a time. */
  static Map<String, List<String>> actualLookups(Engine engine, String index, Set<String> values, int pageSize,
      Token after, Duration timeout) {
    Map<String, List<String>> out = new TreeMap<>();
    for (String value : values) {
      List<String> rows = new ArrayList<>();
      String cursor = null;
      do {
        Indexes.Page page = engine.indexes().lookup(index, Arrays.asList(value.equals("null") ? null : value), cursor,
            pageSize, after, timeout);
        page.rows().forEach(r -> rows.add(new String(r, StandardCharsets.UTF_8)));
        cursor = page.nextCursor();
      } while (cursor != null);
      if (!rows.isEmpty()) {
        rows.sort(null);
        out.put(value, rows);
      }
    }
    return out;
  }

  /** Every document of a search index: key → row JSON. */
  static Map<String, String> documents(Engine engine, String index, Token after, Duration timeout) {
    Map<String, String> out = new TreeMap<>();
    SearchIndex.Result all = engine.indexes().search(index, "*:*", SearchIndex.HITS_WINDOW_MAX, 0, List.of(), after, timeout);
    for (SearchIndex.Hit hit : all.hits()) {
      out.put(RowKey.fromBytes(hit.key()).toString(), hit.rowJson());
    }
    if (all.total() != out.size()) {
      throw new AssertionError("total " + all.total() + " but " + out.size() + " distinct hits");
    }
    return out;
  }

  /** The keys a query matches. */
  static Set<String> matches(Engine engine, String index, String query) {
    Set<String> out = new TreeSet<>();
    for (SearchIndex.Hit hit : engine.indexes().search(index, query, SearchIndex.HITS_WINDOW_MAX, 0, List.of(), null,
        Duration.ZERO).hits()) {
      out.add(RowKey.fromBytes(hit.key()).toString());
    }
    return out;
  }

  /** The keys of rows whose {@code field} holds {@code word} among its lower-cased, space-separated words. */
  static Set<String> expectedMatches(Map<String, String> rows, String field, String word) {
    Set<String> out = new TreeSet<>();
    rows.forEach((key, json) -> {
      String text = text(json, field).toLowerCase(Locale.ROOT);
      if (Arrays.asList(text.split("[^\\p{L}\\p{N}]+")).contains(word)) {
        out.add(key);
      }
    });
    return out;
  }

  /** Facet counts over every document, as the index answers them. */
  static Map<String, Long> facetCounts(Engine engine, String index, String facet) {
    return new TreeMap<>(engine.indexes().search(index, "*:*", 1, 0, List.of(facet), null, Duration.ZERO).facets().get(facet));
  }

  /** Facet counts computed from the rows: a string value counts once per row, NULL not at all. */
  static Map<String, Long> expectedFacetCounts(Map<String, String> rows, String facet) {
    Map<String, Long> out = new TreeMap<>();
    for (String json : rows.values()) {
      JsonNode value = tree(json).get(facet);
      if (value != null && !value.isNull()) {
        out.merge(value.asText(), 1L, Long::sum);
      }
    }
    return out;
  }

  static String text(String json, String field) {
    JsonNode value = tree(json).get(field);
    return value == null || value.isNull() ? "null" : value.asText();
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
