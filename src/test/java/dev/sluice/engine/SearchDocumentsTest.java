package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import dev.sluice.stores.search.SearchIndex;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search index's sink between the task and Lucene: once live, a committed batch's documents are
 * searchable without a durable Lucene commit; after a crash (the index closed without committing)
 * recovery re-applies what the changelog holds after the last Lucene commit.
 */
class SearchDocumentsTest {
  private static final long WAIT_MS = 30_000;
  private static final IndexSpec SPEC = new IndexSpec(IndexSpec.Kind.SEARCH, List.of("title"), List.of(), "test");

  @TempDir Path dir;
  private KeyValueStore store;
  private Space space;
  private Changelog changelog;
  private final Map<String, long[]> positions = new HashMap<>(Map.of("products", new long[] {0}));

  @BeforeEach
  void open() {
    store = KeyValueStore.open(dir.resolve("state"));
    space = store.space("search-test");
    changelog = new Changelog(space, 1, ChangelogRetention.DEFAULT);
    changelog.load();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private SearchDocuments recovered() {
    SearchDocuments documents = new SearchDocuments(SPEC, dir.resolve("lucene"));
    documents.recover(space, positions, changelog.head());
    return documents;
  }

  /** What the task does for one event: the change into the batch and the changelog, commit, hand over. */
  private void process(SearchDocuments documents, String id, String title) {
    Row row = Row.fromJson(("{\"id\":\"" + id + "\",\"title\":\"" + title + "\"}").getBytes(StandardCharsets.UTF_8), null);
    ViewChange change = new ViewChange(RowKey.of(id), null, row);
    try (Batch batch = space.batch()) {
      changelog.record(change, null, row.toJson(), 0, null);
      documents.write(batch, change, row.toJson());
      positions.get("products")[0]++;
      batch.put(Keys.position("products", 0), Keys.longBytes(positions.get("products")[0]));
      changelog.beforeCommit(batch, System.currentTimeMillis());
      batch.commit();
    }
    documents.batchCommitted();
    changelog.committed();
  }

  private static long totalWithin(SearchIndex index, String query) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    long total = index.search(query, 10, 0, List.of()).total();
    while (total == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
      total = index.search(query, 10, 0, List.of()).total();
    }
    return total;
  }

  @Test
  void onceLiveAProcessedEventIsSearchableBeforeAnyDurableCommitHoldsIt() throws Exception {
    SearchDocuments documents = recovered();
    try {
      documents.committed(positions, changelog.head(), true); // caught up: live
      documents.index().refreshEvery(3_600_000); // only the indexer's own requests refresh now

      process(documents, "p1", "brass desk lamp");

      assertThat(totalWithin(documents.index(), "lamp")).isEqualTo(1);
      assertThat(documents.index().committedData()).containsEntry(SearchDocuments.CHANGES, "0");
    } finally {
      documents.close();
    }
  }

  @Test
  void afterACrashTheChangesAfterTheLastLuceneCommitAreReappliedFromTheChangelog() throws Exception {
    SearchDocuments documents = recovered();
    process(documents, "p1", "brass desk lamp");
    process(documents, "p2", "oak reading lamp");
    documents.committed(positions, changelog.head(), true);
    documents.close(); // a clean stop commits: both documents are durable
    documents = recovered();
    process(documents, "p3", "steel floor lamp");
    process(documents, "p1", "brass desk light");
    documents.index().close(); // a crash: Lucene loses what it did not commit, the space keeps it

    documents = new SearchDocuments(SPEC, dir.resolve("lucene"));
    documents.recover(space, positions, changelog.head());
    try {
      SearchIndex index = documents.index();
      index.refresh();
      assertThat(index.committedData()).containsEntry(SearchDocuments.CHANGES, "4");
      assertThat(index.search("lamp", 10, 0, List.of()).total()).isEqualTo(2);
      assertThat(index.search("steel", 10, 0, List.of()).total()).isEqualTo(1);
      assertThat(index.search("light", 10, 0, List.of()).total()).isEqualTo(1);
      assertThat(index.documents()).isEqualTo(3);
    } finally {
      documents.close();
    }
  }
}
