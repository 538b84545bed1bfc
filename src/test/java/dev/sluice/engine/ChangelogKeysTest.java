package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operators.Row;
import dev.sluice.operators.RowKey;
import dev.sluice.operators.ViewChange;
import dev.sluice.stores.Batch;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Changelog#keysFrom}: what a search index's recovery re-applies after a crash — the keys of
 * every change after the head its last Lucene commit reflects, whichever stored entry (one per
 * commit) that head falls in, or word that the changelog was trimmed past it.
 */
class ChangelogKeysTest {
  @TempDir Path dir;
  private KeyValueStore store;
  private Space space;

  @BeforeEach
  void open() {
    store = KeyValueStore.open(dir);
    space = store.space("keys-test");
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** Commits one changelog entry per group: keys named "k0", "k1", … in the order given. */
  private Changelog commits(ChangelogRetention retention, List<List<String>> groups) {
    Changelog changelog = new Changelog(space, 1, retention);
    changelog.load();
    for (List<String> group : groups) {
      try (Batch batch = space.batch()) {
        for (String key : group) {
          Row row = Row.fromJson(("{\"id\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8), null);
          changelog.record(new ViewChange(RowKey.of(key), null, row), null, row.toJson(), 0, null);
        }
        changelog.beforeCommit(batch, System.currentTimeMillis());
        batch.commit();
      }
      changelog.committed();
    }
    return changelog;
  }

  private List<String> keysFrom(long from, long head) {
    List<String> keys = new ArrayList<>();
    boolean held = Changelog.keysFrom(space, from, head, key -> keys.add(RowKey.fromBytes(key).toString()));
    return held ? keys : null;
  }

  @Test
  void theKeysAfterAHeadInsideAnEntryStartRightAfterIt() {
    Changelog changelog = commits(ChangelogRetention.DEFAULT, List.of(List.of("a", "b", "c"), List.of("d", "b"), List.of("e")));

    assertThat(changelog.head()).isEqualTo(6);
    assertThat(keysFrom(1, 6)).containsExactly("\"a\"", "\"b\"", "\"c\"", "\"d\"", "\"b\"", "\"e\"");
    assertThat(keysFrom(3, 6)).containsExactly("\"c\"", "\"d\"", "\"b\"", "\"e\"");
    assertThat(keysFrom(4, 6)).containsExactly("\"d\"", "\"b\"", "\"e\"");
    assertThat(keysFrom(6, 6)).containsExactly("\"e\"");
    assertThat(keysFrom(4, 5)).containsExactly("\"d\"", "\"b\"");
  }

  @Test
  void nothingAfterTheHeadIsNothingToReapply() {
    commits(ChangelogRetention.DEFAULT, List.of(List.of("a", "b")));

    assertThat(keysFrom(3, 2)).isEmpty();
  }

  @Test
  void aHeadTheChangelogWasTrimmedPastCannotBeReplayed() {
    Changelog changelog = commits(new ChangelogRetention(2, Duration.ofHours(1)), List.of(List.of("a", "b"), List.of("c", "d"), List.of("e", "f")));
    changelog.trimIfDue(System.currentTimeMillis());

    assertThat(changelog.oldest()).isGreaterThan(1);
    assertThat(keysFrom(1, 6)).isNull();
    assertThat(keysFrom(changelog.oldest(), 6)).isNotEmpty();
  }
}
