package dev.sluice.stores.search;

import dev.sluice.stores.Folders;
import dev.sluice.stores.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.facet.FacetResult;
import org.apache.lucene.facet.FacetsCollectorManager;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.facet.LabelAndValue;
import org.apache.lucene.facet.sortedset.DefaultSortedSetDocValuesReaderState;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetCounts;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetField;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesReaderState;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.NRTCachingDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * One search index version in its own Lucene directory: documents keyed by a row key (a put
 * replaces the document with that key), a near-real-time searcher refreshed in the background, and
 * commits that carry the caller's user data (the input positions) atomically with the documents.
 *
 * <p>Every document stores its row as JSON ({@value #ROW}) and its key ({@value #KEY}); each text
 * field is analyzed with {@link StandardAnalyzer} and stored for highlighting; each facet field is a
 * sorted-set doc-values facet.
 */
public final class SearchIndex implements AutoCloseable {
  static final String KEY = "_key";
  static final String ROW = "_row";
  /**
   * Live: how often the NRT searcher is refreshed when nobody asks ({@link #refreshSoon}); a
   * writer that asks after its changes makes them searchable sooner.
   */
  public static final long REFRESH_LIVE_MS = 25;
  /**
   * While a backfill writes a whole history, a refresh every 25 ms would flush a tiny segment each
   * time, and merging them would cost more than the indexing: refresh seldom until live.
   */
  public static final long REFRESH_BUILDING_MS = 5_000;
  /** Flushed or merged segments up to this size are kept in memory until committed. */
  private static final double NRT_CACHED_SEGMENT_MB_MAX = 4;
  /** Memory those segments may take at most, per index; larger ones go to disk at once. */
  private static final double NRT_CACHED_MB_MAX = 48;
  /** Hits a search returns at most, however far it pages: bounds the work of one request. */
  public static final int HITS_WINDOW_MAX = 10_000;
  private static final int FACET_VALUES_MAX = 100;
  private static final int SNIPPET_PASSAGES = 1;

  private final Directory directory;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final Thread refresher;
  private volatile long refreshIntervalMs = REFRESH_BUILDING_MS;
  /** Set by {@link #refreshSoon}: the refresher refreshes without waiting out its interval. */
  private boolean refreshRequested;
  private volatile boolean closed;
  private final Analyzer analyzer;
  private final List<String> textFields;
  private final List<String> facetFields;
  private final FacetsConfig facetsConfig = new FacetsConfig();
  /** The facet state of the last reader searched: building it walks every ordinal, so it is kept. */
  private volatile SortedSetDocValuesReaderState facetState;

  private SearchIndex(Path dir, List<String> textFields, List<String> facetFields) throws IOException {
    this.textFields = List.copyOf(textFields);
    this.facetFields = List.copyOf(facetFields);
    this.analyzer = new StandardAnalyzer();
    for (String facet : facetFields) {
      facetsConfig.setMultiValued(facet, true);
    }
    Files.createDirectories(dir);
    // Segments flushed by NRT refreshes are tiny and soon merged away: kept in memory until a
    // commit syncs them (or a merge replaces them), a refresh writes and opens no files for them.
    this.directory = new NRTCachingDirectory(FSDirectory.open(dir), NRT_CACHED_SEGMENT_MB_MAX, NRT_CACHED_MB_MAX);
    IndexWriterConfig config = new IndexWriterConfig(analyzer);
    config.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
    config.setRAMBufferSizeMB(64);
    config.setCommitOnClose(false);
    // By default opening an NRT reader (and committing) waits up to 500 ms for merges of the small
    // segments it flushed: a refresh that should take milliseconds then takes half a second.
    config.setMaxFullFlushMergeWaitMillis(0);
    this.writer = new IndexWriter(directory, config);
    this.searchers = new SearcherManager(writer, new SearcherFactory());
    this.refresher = new Thread(this::refreshPeriodically, "sluice-search-refresh-" + dir.getFileName());
    refresher.setDaemon(true);
    refresher.start();
  }

  /** How often changes become searchable: {@link #REFRESH_LIVE_MS} once the index follows the log. */
  public void refreshEvery(long intervalMs) {
    if (intervalMs != refreshIntervalMs) {
      refreshIntervalMs = intervalMs;
      synchronized (refresher) {
        refresher.notifyAll();
      }
    }
  }

  /**
   * Asks for a refresh now rather than at the next interval: the changes made so far become
   * searchable as soon as the refresher has reopened the reader. Requests made while it refreshes
   * are served together by the next refresh, so a busy writer does not flush a segment per change.
   */
  public void refreshSoon() {
    synchronized (refresher) {
      refreshRequested = true;
      refresher.notifyAll();
    }
  }

  private void refreshPeriodically() {
    while (!closed) {
      try {
        synchronized (refresher) {
          if (!refreshRequested) {
            refresher.wait(refreshIntervalMs);
          }
          refreshRequested = false;
        }
        if (!closed) {
          // Blocking: a refresh already running (a read after a token) may predate the request.
          searchers.maybeRefreshBlocking();
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException | AlreadyClosedException e) {
        if (!closed) {
          LoggerHolder.warn("refreshing the search index failed: " + e);
        }
      }
    }
  }

  /** Opens (or creates) the index in {@code dir}; uncommitted changes of a crash are gone. */
  public static SearchIndex open(Path dir, List<String> textFields, List<String> facetFields) {
    try {
      return new SearchIndex(dir, textFields, facetFields);
    } catch (IOException e) {
      throw new StoreException("cannot open the search index in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Deletes an index's directory (after {@link #close}, or of a version no longer declared). */
  public static void destroy(Path dir) {
    try {
      Folders.delete(dir);
    } catch (IOException e) {
      throw new StoreException("cannot delete the search index in " + dir + ": " + e.getMessage(), e);
    }
  }


  /** The user data of the last commit (empty for a new index). */
  public Map<String, String> committedData() {
    try {
      if (!DirectoryReader.indexExists(directory)) {
        return Map.of();
      }
      return SegmentInfos.readLatestCommit(directory).getUserData();
    } catch (IOException e) {
      throw new StoreException("cannot read the search index's last commit: " + e.getMessage(), e);
    }
  }

  /**
   * Adds or replaces the document of {@code key}.
   *
   * @param text per text field, its values (a field may hold several)
   * @param facets per facet field, its values
   */
  public void put(byte[] key, String rowJson, Map<String, List<String>> text, Map<String, List<String>> facets) {
    Document doc = new Document();
    doc.add(new StringField(KEY, new BytesRef(key), Field.Store.YES));
    doc.add(new StoredField(ROW, rowJson));
    text.forEach((field, values) -> values.forEach(v -> doc.add(new TextField(field, v, Field.Store.YES))));
    facets.forEach((field, values) -> values.forEach(v -> {
      if (!v.isEmpty()) {
        doc.add(new SortedSetDocValuesFacetField(field, v));
      }
    }));
    try {
      writer.updateDocument(new Term(KEY, new BytesRef(key)), facetsConfig.build(doc));
    } catch (IOException e) {
      throw new StoreException("cannot index a document: " + e.getMessage(), e);
    }
  }

  public void delete(byte[] key) {
    try {
      writer.deleteDocuments(new Term(KEY, new BytesRef(key)));
    } catch (IOException e) {
      throw new StoreException("cannot delete a document: " + e.getMessage(), e);
    }
  }

  public void deleteAll() {
    try {
      writer.deleteAll();
    } catch (IOException e) {
      throw new StoreException("cannot clear the search index: " + e.getMessage(), e);
    }
  }

  /** Makes every change so far durable, together with {@code userData}, in one Lucene commit. */
  public void commit(Map<String, String> userData) {
    try {
      writer.setLiveCommitData(new HashMap<>(userData).entrySet());
      writer.commit();
    } catch (IOException e) {
      throw new StoreException("cannot commit the search index: " + e.getMessage(), e);
    }
  }

  /** Makes every change so far visible to searches before returning. */
  public void refresh() {
    try {
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new StoreException("cannot refresh the search index: " + e.getMessage(), e);
    }
  }

  /** Documents visible to searches now. */
  public long documents() {
    IndexSearcher searcher = acquire();
    try {
      return searcher.getIndexReader().numDocs();
    } finally {
      release(searcher);
    }
  }

  /** One hit: the document's key and row, its BM25 score, and a snippet per text field that matched. */
  public record Hit(byte[] key, float score, String rowJson, Map<String, String> highlights) {}

  /** @param facets per requested facet field, value → matching documents, most frequent first */
  public record Result(long total, List<Hit> hits, Map<String, Map<String, Long>> facets) {}

  /**
   * Runs {@code queryText} in Lucene's classic syntax over the text fields (a bare term searches
   * all of them; {@code field:term} one).
   *
   * @throws QueryException when the query does not parse, or names a facet that is not declared
   */
  public Result search(String queryText, int limit, int offset, List<String> facets) {
    for (String facet : facets) {
      if (!facetFields.contains(facet)) {
        throw new QueryException("'" + facet + "' is not a facet of this index; its facets are " + facetFields);
      }
    }
    if (offset + limit > HITS_WINDOW_MAX) {
      throw new QueryException("offset + limit is at most " + HITS_WINDOW_MAX);
    }
    Query query = parse(queryText);
    IndexSearcher searcher = acquireOpen();
    try {
      int window = Math.max(1, offset + limit);
      TopDocs top;
      Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
      if (facets.isEmpty()) {
        top = searcher.search(query, window);
      } else {
        FacetsCollectorManager.FacetsResult result = FacetsCollectorManager.search(searcher, query, window, new FacetsCollectorManager());
        top = result.topDocs();
        SortedSetDocValuesFacetCounts facetCounts = facetCounts(searcher.getIndexReader(), result);
        for (String facet : facets) {
          Map<String, Long> values = new LinkedHashMap<>();
          FacetResult fr = facetCounts == null ? null : facetCounts.getTopChildren(FACET_VALUES_MAX, facet);
          if (fr != null) {
            for (LabelAndValue lv : fr.labelValues) {
              values.put(lv.label, lv.value.longValue());
            }
          }
          counts.put(facet, values);
        }
      }
      long total = searcher.count(query);
      ScoreDoc[] page = top.scoreDocs.length <= offset
          ? new ScoreDoc[0]
          : java.util.Arrays.copyOfRange(top.scoreDocs, offset, Math.min(top.scoreDocs.length, offset + limit));
      Map<String, String[]> snippets = highlights(searcher, query, page);
      StoredFields stored = searcher.storedFields();
      List<Hit> hits = new ArrayList<>();
      for (int i = 0; i < page.length; i++) {
        Document doc = stored.document(page[i].doc, java.util.Set.of(KEY, ROW));
        Map<String, String> marks = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> e : snippets.entrySet()) {
          String snippet = e.getValue()[i];
          if (snippet != null && snippet.contains("<b>")) {
            marks.put(e.getKey(), snippet);
          }
        }
        BytesRef key = doc.getBinaryValue(KEY);
        hits.add(new Hit(BytesRef.deepCopyOf(key).bytes, page[i].score, doc.get(ROW), marks));
      }
      return new Result(total, hits, counts);
    } catch (IndexSearcher.TooManyClauses e) {
      throw new QueryException("the query expands to too many terms (" + e.getMessage() + "); make the wildcard or fuzzy term longer");
    } catch (IOException e) {
      throw new StoreException("cannot search: " + e.getMessage(), e);
    } finally {
      release(searcher);
    }
  }

  /** Lucene's "already closed", as this package's: the index was closed while a search began. */
  private IndexSearcher acquireOpen() {
    try {
      return acquire();
    } catch (AlreadyClosedException e) {
      throw new ClosedException();
    }
  }

  private SortedSetDocValuesFacetCounts facetCounts(IndexReader reader, FacetsCollectorManager.FacetsResult result) throws IOException {
    SortedSetDocValuesReaderState state = facetState;
    if (state == null || state.getReader() != reader) {
      try {
        state = new DefaultSortedSetDocValuesReaderState(reader, facetsConfig);
      } catch (IllegalArgumentException noFacetsYet) {
        return null; // no document has a facet value yet: every count is zero
      }
      facetState = state;
    }
    return new SortedSetDocValuesFacetCounts(state, result.facetsCollector());
  }

  private Map<String, String[]> highlights(IndexSearcher searcher, Query query, ScoreDoc[] page) throws IOException {
    if (page.length == 0) {
      return Map.of();
    }
    UnifiedHighlighter highlighter = UnifiedHighlighter.builder(searcher, analyzer).withHighlightPhrasesStrictly(true).build();
    int[] docs = new int[page.length];
    for (int i = 0; i < page.length; i++) {
      docs[i] = page[i].doc;
    }
    int[] passages = new int[textFields.size()];
    java.util.Arrays.fill(passages, SNIPPET_PASSAGES);
    return highlighter.highlightFields(textFields.toArray(String[]::new), query, docs, passages);
  }

  private Query parse(String text) {
    if (text == null || text.isBlank()) {
      throw new QueryException("the query is empty; q names the terms to search for");
    }
    QueryParser parser = new MultiFieldQueryParser(textFields.toArray(String[]::new), analyzer);
    parser.setDefaultOperator(QueryParser.Operator.OR);
    try {
      return parser.parse(text);
    } catch (ParseException | RuntimeException e) {
      String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw new QueryException("the query does not parse: " + message);
    }
  }

  private IndexSearcher acquire() {
    try {
      return searchers.acquire();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void release(IndexSearcher searcher) {
    try {
      searchers.release(searcher);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops refreshing and closes without committing: what was not committed is lost, as in a crash. */
  @Override
  public void close() {
    try {
      closed = true;
      synchronized (refresher) {
        refresher.notifyAll();
      }
      refresher.join(10_000);
      searchers.close();
      writer.rollback();
      directory.close();
    } catch (IOException e) {
      throw new StoreException("cannot close the search index: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The index was closed (its version replaced or dropped) as the search began. */
  public static final class ClosedException extends RuntimeException {
    public ClosedException() {
      super("the search index was closed");
    }
  }

  private static final class LoggerHolder {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SearchIndex.class);

    static void warn(String message) {
      LOG.warn(message);
    }
  }

  /** A query the index cannot run; the message says why, for the client. */
  public static final class QueryException extends RuntimeException {
    public QueryException(String message) {
      super(message);
    }
  }
}
