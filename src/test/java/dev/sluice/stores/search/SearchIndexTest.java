package dev.sluice.stores.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Near-real-time search apart from durability: what is indexed is searchable before any commit. */
class SearchIndexTest {
  private static final long WAIT_MS = 30_000;

  @TempDir Path dir;

  private static long totalWithin(SearchIndex index, String query) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    long total = index.search(query, 10, 0, List.of()).total();
    while (total == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
      total = index.search(query, 10, 0, List.of()).total();
    }
    return total;
  }

  private static void put(SearchIndex index, String key, String title) {
    index.put(key.getBytes(StandardCharsets.UTF_8), "{\"id\":\"" + key + "\",\"title\":\"" + title + "\"}",
        Map.of("title", List.of(title)), Map.of());
  }

  @Test
  void aDocumentIsSearchableOnceARefreshIsAskedForWithoutAnyCommit() throws Exception {
    try (SearchIndex index = SearchIndex.open(dir, List.of("title"), List.of())) {
      index.refreshEvery(3_600_000); // no periodic refresh within the test: only the one asked for
      put(index, "p1", "brass desk lamp");
      index.refreshSoon();

      assertThat(totalWithin(index, "lamp")).isEqualTo(1);
      assertThat(index.committedData()).isEmpty();
    }
  }

  @Test
  void whatWasOnlyRefreshedIsGoneAfterAReopenAndWhatWasCommittedStays() throws Exception {
    try (SearchIndex index = SearchIndex.open(dir, List.of("title"), List.of())) {
      put(index, "p1", "brass desk lamp");
      index.commit(Map.of("sluice.positions", "1"));
      put(index, "p2", "oak reading lamp");
      index.refreshSoon();
      assertThat(totalWithin(index, "oak")).isEqualTo(1);
    }
    try (SearchIndex index = SearchIndex.open(dir, List.of("title"), List.of())) {
      index.refresh();

      assertThat(index.committedData()).containsEntry("sluice.positions", "1");
      assertThat(index.search("lamp", 10, 0, List.of()).total()).isEqualTo(1);
      assertThat(index.search("oak", 10, 0, List.of()).total()).isZero();
    }
  }
}
