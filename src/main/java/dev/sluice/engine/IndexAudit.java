package dev.sluice.engine;

import dev.sluice.operators.BatchEvaluator.KeyedRow;
import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.stores.Space;
import dev.sluice.stores.search.CommittedDocuments;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The index half of {@code sluice verify}: given the rows an index's pipeline derives from the log
 * (recomputed by {@link ViewAudit}), the entries a secondary index must hold and the documents a
 * search index's Lucene commit must hold, compared one by one with what is stored.
 */
final class IndexAudit {
  private static final HexFormat HEX = HexFormat.of();

  private IndexAudit() {}

  /** What was compared: the entries stored and the digest of the rows they hold (as {@link ViewDigest}). */
  record Entries(long count, long digest) {}

  /**
   * A secondary index: the set of (indexed value(s), row key, row) entries the rows derive against
   * the set stored under the {@link Keys#ROW} prefix.
   */
  static Entries entries(ViewDefinition d, Space space, List<KeyedRow> rows, List<ViewAudit.Finding> findings) {
    IndexRows layout = new IndexRows(d.index());
    Map<byte[], String> expected = new TreeMap<>(Arrays::compareUnsigned);
    for (KeyedRow row : rows) {
      expected.put(layout.entry(row.row(), row.key()), new String(row.row().toJson(), StandardCharsets.UTF_8));
    }
    Map<byte[], String> actual = new TreeMap<>(Arrays::compareUnsigned);
    space.scan(new byte[] {Keys.ROW}, new byte[] {Keys.ROW + 1}, (key, value) -> {
      actual.put(key, new String(value, StandardCharsets.UTF_8));
      return true;
    });
    for (Map.Entry<byte[], String> e : expected.entrySet()) {
      String stored = actual.get(e.getKey());
      if (stored == null) {
        findings.add(finding(d, entryName(e.getKey()), e.getValue(), null, "entry missing"));
      } else if (!stored.equals(e.getValue())) {
        findings.add(finding(d, entryName(e.getKey()), e.getValue(), stored, "entry differs"));
      }
    }
    long digest = 0;
    for (Map.Entry<byte[], String> e : actual.entrySet()) {
      if (!expected.containsKey(e.getKey())) {
        findings.add(finding(d, entryName(e.getKey()), null, e.getValue(), "entry that the log does not derive"));
      }
      Optional<RowKey> rowKey = rowKeyOf(e.getKey());
      if (rowKey.isPresent()) {
        digest += ViewDigest.rowHash(rowKey.get().bytes(), e.getValue().getBytes(StandardCharsets.UTF_8));
      }
    }
    return new Entries(actual.size(), digest);
  }

  /** "value "lighting", row key "p1"" for the entry [value…, row key]; its bytes when it does not decode. */
  private static String entryName(byte[] entry) {
    try {
      List<?> parts = (List<?>) RowKey.fromBytes(Arrays.copyOfRange(entry, 1, entry.length)).value();
      List<?> values = parts.subList(0, parts.size() - 1);
      String value = values.size() == 1 ? RowKey.of(values.get(0)).toString() : RowKey.of(values).toString();
      return "value " + value + ", row key " + RowKey.of(parts.get(parts.size() - 1));
    } catch (RuntimeException undecodable) {
      return "entry 0x" + HEX.formatHex(entry);
    }
  }

  private static Optional<RowKey> rowKeyOf(byte[] entry) {
    try {
      List<?> parts = (List<?>) RowKey.fromBytes(Arrays.copyOfRange(entry, 1, entry.length)).value();
      return Optional.of(RowKey.of(parts.get(parts.size() - 1)));
    } catch (RuntimeException undecodable) {
      return Optional.empty();
    }
  }

  /**
   * A search index: the documents the rows derive (key, row, each text field's values, each facet's
   * values) against the documents of its last Lucene commit. The rows in its space were compared
   * already; Lucene may lag them after a kill, by design (see {@link SearchDocuments}): the keys
   * marked as changed since the last commit are set from the rows at the next start, so they are
   * not compared, and when the commit is at other positions with no marks to go by, the next start
   * rebuilds every document, so none is.
   *
   * @return what was compared, for the report
   */
  static String documents(ViewDefinition d, Path dir, Space space, Map<String, long[]> positions, List<KeyedRow> rows,
      List<ViewAudit.Finding> findings) {
    IndexSpec spec = d.index();
    Optional<CommittedDocuments.Contents> contents = CommittedDocuments.read(dir, spec.fields(), spec.facets());
    String committed = contents.map(c -> c.userData().get(SearchDocuments.POSITIONS)).orElse(null);
    String now = SearchDocuments.encode(positions);
    Set<RowKey> marked = new TreeSet<>();
    space.scan(new byte[] {Keys.DIRTY}, new byte[] {Keys.DIRTY + 1}, (key, value) -> {
      marked.add(RowKey.fromBytes(Arrays.copyOfRange(key, 1 + 8, key.length)));
      return true;
    });
    boolean behind = !now.equals(committed);
    if (behind && (committed == null && !SearchDocuments.isZero(positions) || committed != null && marked.isEmpty())) {
      return "its Lucene commit is at other positions than its rows, so the next start rebuilds every document from them;"
          + " no document compared";
    }
    Map<RowKey, Document> expected = new TreeMap<>();
    for (KeyedRow row : rows) {
      expected.put(row.key(), document(spec, row.row()));
    }
    Map<RowKey, Document> actual = new TreeMap<>();
    for (CommittedDocuments.StoredDocument stored : contents.map(CommittedDocuments.Contents::documents).orElse(List.of())) {
      if (stored.key() == null) {
        findings.add(finding(d, null, null, null, "a Lucene document has no key; its row is " + stored.rowJson()));
        continue;
      }
      RowKey key = RowKey.fromBytes(stored.key());
      Document doc = new Document(stored.rowJson(), stored.text(), stored.facets());
      if (actual.put(key, doc) != null) {
        findings.add(finding(d, "document " + key, null, stored.rowJson(), "document indexed more than once"));
      }
    }
    Set<RowKey> skip = behind ? marked : Set.of();
    long compared = 0;
    for (Map.Entry<RowKey, Document> e : expected.entrySet()) {
      if (skip.contains(e.getKey())) {
        continue;
      }
      compared++;
      Document stored = actual.get(e.getKey());
      if (stored == null) {
        findings.add(finding(d, "document " + e.getKey(), e.getValue().rowJson(), null, "document missing"));
      } else {
        compare(d, e.getKey(), e.getValue(), stored, findings);
      }
    }
    for (Map.Entry<RowKey, Document> e : actual.entrySet()) {
      if (!skip.contains(e.getKey()) && !expected.containsKey(e.getKey())) {
        findings.add(finding(d, "document " + e.getKey(), null, e.getValue().rowJson(), "document that the log does not derive"));
      }
    }
    return compared + " documents compared with its last Lucene commit (row, text fields, facet values)"
        + (skip.isEmpty() ? "" : ", " + skip.size() + " changed since it not compared (the next start sets them from the rows)");
  }

  /** A document's content: its row, and per field the values its row gives. */
  private record Document(String rowJson, Map<String, List<String>> text, Map<String, List<String>> facets) {}

  private static Document document(IndexSpec spec, Row row) {
    Map<String, List<String>> text = new LinkedHashMap<>();
    spec.fields().forEach(f -> text.put(f, FieldValues.texts(row, f)));
    // Facet doc values hold each value once, in order, and no empty value (see SearchIndex.put).
    Map<String, List<String>> facets = new LinkedHashMap<>();
    for (String f : spec.facets()) {
      TreeSet<String> values = new TreeSet<>(FieldValues.texts(row, f));
      values.remove("");
      facets.put(f, List.copyOf(values));
    }
    return new Document(new String(row.toJson(), StandardCharsets.UTF_8), text, facets);
  }

  private static void compare(ViewDefinition d, RowKey key, Document expected, Document actual, List<ViewAudit.Finding> findings) {
    String at = "document " + key;
    if (!expected.rowJson().equals(actual.rowJson())) {
      findings.add(finding(d, at, expected.rowJson(), actual.rowJson(), "document's row differs"));
    }
    expected.text().forEach((field, values) -> {
      if (!values.equals(actual.text().get(field))) {
        findings.add(finding(d, at, field + " " + values, field + " " + actual.text().get(field),
            "document's text field '" + field + "' differs"));
      }
    });
    expected.facets().forEach((field, values) -> {
      if (!values.equals(actual.facets().get(field))) {
        findings.add(finding(d, at, field + " " + values, field + " " + actual.facets().get(field),
            "document's facet '" + field + "' differs"));
      }
    });
  }

  private static ViewAudit.Finding finding(ViewDefinition d, String at, String expected, String actual, String problem) {
    return new ViewAudit.Finding(d.kind(), d.name(), at, expected, actual, problem);
  }
}
