package dev.sluice.stores.search;

import dev.sluice.stores.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.lucene.document.Document;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * The documents of a search index's last commit, read without opening a writer: what {@code sluice
 * verify} compares with the documents the log derives. Each document is read whole — its key, its
 * row, the stored values of each text field, and its facet values as the facet doc values hold them
 * (the values facet counts are computed from).
 */
public final class CommittedDocuments {
  /**
   * One document as committed.
   *
   * @param text per text field, its stored values in the order they were indexed
   * @param facets per facet field, its distinct values in sorted order
   */
  public record StoredDocument(byte[] key, String rowJson, Map<String, List<String>> text, Map<String, List<String>> facets) {}

  /** @param userData the commit's user data (the input positions it reflects) */
  public record Contents(Map<String, String> userData, List<StoredDocument> documents) {}

  private CommittedDocuments() {}

  /** The last commit of the index in {@code dir}; empty when there is none (never committed or no folder). */
  public static Optional<Contents> read(Path dir, List<String> textFields, List<String> facetFields) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Directory directory = FSDirectory.open(dir)) {
      if (!DirectoryReader.indexExists(directory)) {
        return Optional.empty();
      }
      try (DirectoryReader reader = DirectoryReader.open(directory)) {
        List<StoredDocument> documents = new ArrayList<>();
        for (LeafReaderContext leaf : reader.leaves()) {
          read(leaf.reader(), textFields, facetFields, documents);
        }
        return Optional.of(new Contents(Map.copyOf(reader.getIndexCommit().getUserData()), documents));
      }
    } catch (IOException e) {
      throw new StoreException("cannot read the search index in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void read(LeafReader leaf, List<String> textFields, List<String> facetFields, List<StoredDocument> out)
      throws IOException {
    Bits live = leaf.getLiveDocs();
    StoredFields stored = leaf.storedFields();
    SortedSetDocValues facetValues = leaf.getSortedSetDocValues(FacetsConfig.DEFAULT_INDEX_FIELD_NAME);
    for (int doc = 0; doc < leaf.maxDoc(); doc++) {
      if (live != null && !live.get(doc)) {
        continue;
      }
      Document document = stored.document(doc);
      BytesRef key = document.getBinaryValue(SearchIndex.KEY);
      Map<String, List<String>> text = new LinkedHashMap<>();
      for (String field : textFields) {
        text.put(field, List.of(document.getValues(field)));
      }
      Map<String, TreeSet<String>> facets = new LinkedHashMap<>();
      facetFields.forEach(f -> facets.put(f, new TreeSet<>()));
      // Doc values are read in increasing document order, as their iterator requires.
      if (facetValues != null && facetValues.advanceExact(doc)) {
        for (int i = 0; i < facetValues.docValueCount(); i++) {
          String[] path = FacetsConfig.stringToPath(facetValues.lookupOrd(facetValues.nextOrd()).utf8ToString());
          if (path.length == 2 && facets.containsKey(path[0])) {
            facets.get(path[0]).add(path[1]);
          }
        }
      }
      Map<String, List<String>> facetLists = new LinkedHashMap<>();
      facets.forEach((f, values) -> facetLists.put(f, List.copyOf(values)));
      out.add(new StoredDocument(key == null ? null : BytesRef.deepCopyOf(key).bytes, document.get(SearchIndex.ROW), text,
          facetLists));
    }
  }
}
