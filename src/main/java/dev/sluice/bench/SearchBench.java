package dev.sluice.bench;

import dev.sluice.engine.Engine;
import dev.sluice.engine.Indexes;
import dev.sluice.engine.ViewState;
import dev.sluice.language.Parser;
import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.RowKey;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * {@code sluice bench search}: N small documents ({@code {"id","title","category"}}, a title of 4–8
 * words drawn Zipf-like from 10,000) indexed (1) by a raw Lucene {@code IndexWriter} — the same
 * analyzer, fields and key term as Sluice's search index, {@code updateDocument} per document, one
 * commit at the end — and (2) by Sluice: the documents are in a table of the log and {@code CREATE
 * SEARCH INDEX} backfills them (read, parse, row in RocksDB, Lucene document) until it is live.
 * Then query latency (one- and two-term queries, top 10 with highlights and the total; in process,
 * one client) and NRT delay: an append acknowledged → its document found by a search (without a token).
 */
public final class SearchBench {
  private static final int VOCABULARY = 10_000;
  private static final int CATEGORIES = 20;
  private static final int QUERIES = 5_000;
  private static final int NRT_PROBES = 200;
  private static final int WARMUP_DOCS = 100_000;
  private static final String INDEX = "CREATE SEARCH INDEX docs_search ON docs (title) FACETS (category)";

  public record Settings(int docs) {}

  private SearchBench() {}

  /** Word {@code i} of the vocabulary: made-up but pronounceable, so the analyzer keeps it whole. */
  static String word(int i) {
    String syllables = "ka lo mi ne su ta ri po ve xu";
    String[] s = syllables.split(" ");
    StringBuilder w = new StringBuilder();
    int n = i;
    do {
      w.append(s[n % 10]);
      n /= 10;
    } while (n > 0);
    return w.toString();
  }

  /** A word index with a Zipf-like skew: a few words are frequent, most are rare. */
  private static int zipfWord(Random random) {
    return (int) Math.floor(Math.pow(VOCABULARY, random.nextDouble())) - 1;
  }

  private record Doc(String id, String title, String category) {
    String json() {
      return "{\"id\":\"" + id + "\",\"title\":\"" + title + "\",\"category\":\"" + category + "\"}";
    }
  }

  private static Doc doc(Random random, long n) {
    StringBuilder title = new StringBuilder();
    for (int w = 0, words = 4 + random.nextInt(5); w < words; w++) {
      title.append(w == 0 ? "" : " ").append(word(zipfWord(random)));
    }
    return new Doc("d" + n, title.toString(), "cat" + random.nextInt(CATEGORIES));
  }

  public static void run(Settings settings, PrintStream out) throws Exception {
    int docs = settings.docs();
    out.printf(Locale.ROOT, "bench search: %d cores, Java %s; %,d documents {id, title (4-8 of %,d words), category (%d)}; %s%n",
        Runtime.getRuntime().availableProcessors(), Runtime.version(), docs, VOCABULARY, CATEGORIES, INDEX);
    Path dir = Files.createTempDirectory("sluice-bench-search");
    try {
      // A throwaway pass of each path compiles its code first, so that neither pays for the JIT
      // and raw Lucene, measured first, is not handicapped.
      raw(dir.resolve("warmup"), Math.min(docs, WARMUP_DOCS), null);
      warmUpSluice(dir.resolve("warmup-sluice"), Math.min(docs, WARMUP_DOCS));
      long rawCpuStart = processCpuNanos();
      double rawPerS = raw(dir.resolve("raw"), docs, out);
      double rawCpuUs = (processCpuNanos() - rawCpuStart) / 1e3 / docs;
      try (EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults().withFsync(EmbeddedLog.Fsync.INTERVAL))) {
        log.create(new StreamSpec("docs", StreamKind.TABLE, "id", 1), false);
        long loadStart = System.nanoTime();
        load(log, docs);
        out.printf(Locale.ROOT, "loaded %,d documents into the log in %.1f s%n", docs, (System.nanoTime() - loadStart) / 1e9);
        try (Engine engine = Engine.open(log, dir.resolve("views"))) {
          long start = System.nanoTime();
          long cpuStart = processCpuNanos();
          engine.indexes().create(Indexes.Declaration.of(Parser.parseStatement(INDEX)).orElseThrow(), INDEX);
          long lastReport = start;
          while (engine.view("docs_search").orElseThrow().state() == ViewState.BUILDING) {
            Thread.sleep(20);
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
              out.printf(Locale.ROOT, "  building: %.0f%%%n", engine.view("docs_search").orElseThrow().progress() * 100);
              lastReport = System.nanoTime();
            }
          }
          double sluiceS = (System.nanoTime() - start) / 1e9;
          double sluiceCpuUs = (processCpuNanos() - cpuStart) / 1e3 / docs;
          double sluicePerS = docs / sluiceS;
          out.printf(Locale.ROOT, "Sluice CREATE SEARCH INDEX backfill: %,d documents in %.2f s = %,.0f docs/s (ratio to raw Lucene %.2f)%n",
              docs, sluiceS, sluicePerS, sluicePerS / rawPerS);
          // CPU time per document is what other processes on the machine cannot take away: a
          // check on the wall-clock ratio when the two phases ran under different loads.
          out.printf(Locale.ROOT, "CPU time of the process per document: raw Lucene %.1f µs, Sluice %.1f µs (raw ÷ Sluice %.2f)%n",
              rawCpuUs, sluiceCpuUs, rawCpuUs / sluiceCpuUs);

          Histogram queries = queries(engine, out);
          Nrt probes = nrt(log, engine);
          Histogram nrt = probes.searchable();
          out.printf(Locale.ROOT, "NRT: append acknowledged → found by a search, %d probes: p50 %.1f ms  p99 %.1f ms "
              + "(the appends themselves, one event each: p50 %.1f ms  p99 %.1f ms)%n",
              nrt.count(), nrt.quantileMs(0.5), nrt.quantileMs(0.99), probes.append().quantileMs(0.5), probes.append().quantileMs(0.99));
          out.printf(Locale.ROOT, "{\"bench\":\"search\",\"docs_per_s\":%.0f,\"raw_lucene_docs_per_s\":%.0f,\"ratio\":%.2f,"
              + "\"query_p50_ms\":%.3f,\"query_p99_ms\":%.3f,\"nrt_p50_ms\":%.1f,\"nrt_p99_ms\":%.1f,\"docs\":%d,"
              + "\"raw_cpu_us_per_doc\":%.1f,\"cpu_us_per_doc\":%.1f}%n",
              sluicePerS, rawPerS, sluicePerS / rawPerS, queries.quantileMs(0.5), queries.quantileMs(0.99),
              nrt.quantileMs(0.5), nrt.quantileMs(0.99), docs, rawCpuUs, sluiceCpuUs);
        }
      }
    } finally {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Sluice's path once over fewer documents, in a log and engine of its own that are then closed. */
  private static void warmUpSluice(Path dir, int docs) throws Exception {
    try (EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults().withFsync(EmbeddedLog.Fsync.INTERVAL))) {
      log.create(new StreamSpec("docs", StreamKind.TABLE, "id", 1), false);
      load(log, docs);
      try (Engine engine = Engine.open(log, dir.resolve("views"))) {
        engine.indexes().create(Indexes.Declaration.of(Parser.parseStatement(INDEX)).orElseThrow(), INDEX);
        while (engine.view("docs_search").orElseThrow().state() == ViewState.BUILDING) {
          Thread.sleep(20);
        }
      }
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** The same documents, fields and analyzer straight into an IndexWriter; {@code out} null: a warm-up. */
  private static double raw(Path dir, int docs, PrintStream out) throws Exception {
    FacetsConfig facets = new FacetsConfig();
    facets.setMultiValued("category", true);
    Random random = new Random(42);
    long start = System.nanoTime();
    try (FSDirectory directory = FSDirectory.open(dir)) {
      IndexWriterConfig config = new IndexWriterConfig(new StandardAnalyzer());
      config.setRAMBufferSizeMB(64);
      config.setMaxFullFlushMergeWaitMillis(0); // as Sluice's index: its commit does not wait for merges
      try (IndexWriter writer = new IndexWriter(directory, config)) {
        for (long n = 0; n < docs; n++) {
          Doc d = doc(random, n);
          BytesRef key = new BytesRef(RowKey.of(d.id()).bytes());
          Document doc = new Document();
          doc.add(new StringField("_key", key, Field.Store.YES));
          doc.add(new StoredField("_row", d.json()));
          doc.add(new TextField("title", d.title(), Field.Store.YES));
          doc.add(new SortedSetDocValuesFacetField("category", d.category()));
          writer.updateDocument(new Term("_key", key), facets.build(doc));
        }
        writer.commit();
      }
    }
    double s = (System.nanoTime() - start) / 1e9;
    if (out == null) {
      return docs / s;
    }
    out.printf(Locale.ROOT, "raw Lucene IndexWriter: %,d documents in %.2f s = %,.0f docs/s (updateDocument by key, one commit)%n",
        docs, s, docs / s);
    return docs / s;
  }

  private static void load(EmbeddedLog log, int docs) throws Exception {
    Random random = new Random(42);
    List<CompletableFuture<AppendResult>> inFlight = new ArrayList<>();
    for (long n = 0; n < docs; ) {
      List<Event> batch = new ArrayList<>(1000);
      for (int i = 0; i < 1000 && n < docs; i++, n++) {
        Doc d = doc(random, n);
        batch.add(Event.of(d.id(), d.json().getBytes(StandardCharsets.UTF_8)));
      }
      inFlight.add(log.append("docs", batch));
      if (inFlight.size() >= 8) {
        inFlight.remove(0).get(60, TimeUnit.SECONDS);
      }
    }
    for (var f : inFlight) {
      f.get(60, TimeUnit.SECONDS);
    }
  }

  /** One- and two-term queries over words of every frequency; a warm-up tenth is not recorded. */
  private static Histogram queries(Engine engine, PrintStream out) {
    Histogram latency = new Histogram();
    Histogram faceted = new Histogram();
    Random random = new Random(7);
    long hits = 0;
    for (int i = 0; i < QUERIES; i++) {
      String q = random.nextBoolean()
          ? word(zipfWord(random))
          : word(zipfWord(random)) + (random.nextBoolean() ? " AND " : " ") + word(zipfWord(random));
      List<String> facets = i % 5 == 0 ? List.of("category") : List.of();
      long t = System.nanoTime();
      hits += engine.indexes().search("docs_search", q, 10, 0, facets, null, Duration.ZERO).total();
      if (i >= QUERIES / 10) {
        (facets.isEmpty() ? latency : faceted).recordNanos(System.nanoTime() - t);
      }
    }
    out.printf(Locale.ROOT, "query (top 10 with highlights and total, in process): %,d queries, p50 %.3f ms  p99 %.3f ms; "
        + "with category facet counts: p50 %.3f ms  p99 %.3f ms; %.0f hits per query on average%n",
        latency.count(), latency.quantileMs(0.5), latency.quantileMs(0.99), faceted.quantileMs(0.5), faceted.quantileMs(0.99),
        hits / (double) QUERIES);
    return latency;
  }

  /** NRT delays: from the append's acknowledgement to the search that finds it, and the appends themselves. */
  private record Nrt(Histogram searchable, Histogram append) {}

  /**
   * Appends one document with a word no other has, then searches for it until found: the delay is
   * from the append's acknowledgement (when the log makes the event readable) to the first search
   * that finds it. The append's own latency is measured apart.
   */
  private static Nrt nrt(EmbeddedLog log, Engine engine) throws Exception {
    Histogram delay = new Histogram();
    Histogram append = new Histogram();
    for (int i = 0; i < NRT_PROBES; i++) {
      String unique = "probe" + word(i) + "zz";
      String json = "{\"id\":\"nrt" + i + "\",\"title\":\"" + unique + "\",\"category\":\"nrt\"}";
      long start = System.nanoTime();
      log.append("docs", List.of(Event.of("nrt" + i, json.getBytes(StandardCharsets.UTF_8)))).get(60, TimeUnit.SECONDS);
      long acknowledged = System.nanoTime();
      append.recordNanos(acknowledged - start);
      while (engine.indexes().search("docs_search", unique, 1, 0, List.of(), null, Duration.ZERO).total() == 0) {
        if (System.nanoTime() - acknowledged > 10_000_000_000L) {
          throw new IllegalStateException("probe " + i + " not searchable after 10 s");
        }
        Thread.sleep(1); // polling with a search costs CPU that the indexer needs: not faster
      }
      delay.recordNanos(System.nanoTime() - acknowledged);
    }
    return new Nrt(delay, append);
  }

}
