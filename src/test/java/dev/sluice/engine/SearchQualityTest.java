package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.language.Parser;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.stores.search.SearchIndex;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Search on real text: the 31,102 verses of the King James Bible (public domain; see
 * src/test/resources/search/README.md) go through the log into a search index, and the hit counts
 * of chosen queries — terms, conjunctions, phrases, prefixes, exclusions — and their facet counts
 * equal what plain Java computes from the same text by splitting it into lower-cased words.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearchQualityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir static Path dir;
  private EmbeddedLog log;
  private Engine engine;
  private Token end;
  /** Verse reference → its words, as the independent computation sees them. */
  private final Map<String, List<String>> words = new LinkedHashMap<>();
  private final Map<String, String> books = new LinkedHashMap<>();

  @BeforeAll
  void indexTheBible() throws Exception {
    log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    engine = Engine.open(log, dir.resolve("views"));
    log.create(new StreamSpec("verses", StreamKind.TABLE, "ref", 2), false);
    String statement = "CREATE SEARCH INDEX bible ON verses (text) FACETS (book)";
    engine.indexes().create(Indexes.Declaration.of(Parser.parseStatement(statement)).orElseThrow(), statement);
    List<Event> batch = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(getClass().getResourceAsStream("/search/kjv.tsv.gz")), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        String[] cols = line.split("\t");
        words.put(cols[0], words(cols[2]));
        books.put(cols[0], cols[1]);
        var node = JSON.createObjectNode().put("ref", cols[0]).put("book", cols[1]).put("text", cols[2]);
        batch.add(new Event(cols[0], null, null, List.of(), false, JSON.writeValueAsBytes(node)));
        if (batch.size() == 2_000) {
          log.append("verses", batch).get(60, TimeUnit.SECONDS);
          batch.clear();
        }
      }
    }
    log.append("verses", batch).get(60, TimeUnit.SECONDS);
    end = Recomputation.endOf(log);
    assertThat(words).hasSize(31_102);
  }

  @AfterAll
  void close() {
    engine.close();
    log.close();
  }

  /**
   * Words as the standard analyzer makes them from this text: runs of letters and digits, with an
   * apostrophe kept inside a word ({@code lord's}) and dropped at its ends, lower-cased.
   */
  private static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}']+")) {
      String trimmed = w.replaceAll("^'+|'+$", "");
      if (!trimmed.isEmpty()) {
        out.add(trimmed);
      }
    }
    return out;
  }

  private long expected(Predicate<List<String>> matches) {
    return words.values().stream().filter(matches).count();
  }

  private SearchIndex.Result search(String q, List<String> facets) {
    return engine.indexes().search("bible", q, 10, 0, facets, end, WAIT);
  }

  private static Predicate<List<String>> has(String word) {
    return w -> w.contains(word);
  }

  private static Predicate<List<String>> phrase(String... phrase) {
    return w -> java.util.Collections.indexOfSubList(w, Arrays.asList(phrase)) >= 0;
  }

  @Test
  void termQueriesCountEveryVerseWithTheWord() {
    for (String word : List.of("light", "jerusalem", "shepherd", "wilderness", "mercy", "lord's")) {
      assertThat(search(word, List.of()).total()).as(word).isEqualTo(expected(has(word)));
    }
    assertThat(expected(has("light"))).isGreaterThan(200);
  }

  @Test
  void booleanPhrasePrefixAndExclusionQueriesCountAsTheirDefinitionsSay() {
    assertThat(search("faith AND hope", List.of()).total()).isEqualTo(expected(has("faith").and(has("hope"))));
    assertThat(search("faith OR hope", List.of()).total()).isEqualTo(expected(has("faith").or(has("hope"))));
    assertThat(search("+faith -works", List.of()).total()).isEqualTo(expected(has("faith").and(has("works").negate())));
    assertThat(search("\"living water\"", List.of()).total()).isEqualTo(expected(phrase("living", "water")));
    assertThat(search("\"in the beginning\"", List.of()).total()).isEqualTo(expected(phrase("in", "the", "beginning")));
    assertThat(search("shepherd*", List.of()).total())
        .isEqualTo(expected(w -> w.stream().anyMatch(t -> t.startsWith("shepherd"))));
  }

  @Test
  void facetCountsAreTheMatchingVersesPerBook() {
    SearchIndex.Result result = search("light", List.of("book"));
    Map<String, Long> expected = new TreeMap<>();
    words.forEach((ref, w) -> {
      if (w.contains("light")) {
        expected.merge(books.get(ref), 1L, Long::sum);
      }
    });
    assertThat(new TreeMap<>(result.facets().get("book"))).isEqualTo(expected);
  }

  @Test
  void theBestHitsContainTheTermsAndShowThemHighlighted() throws Exception {
    SearchIndex.Result result = search("\"living water\"", List.of());
    assertThat(result.hits()).isNotEmpty();
    for (SearchIndex.Hit hit : result.hits()) {
      String text = JSON.readTree(hit.rowJson()).get("text").asText();
      assertThat(words(text)).containsSubsequence("living", "water");
      assertThat(hit.highlights().get("text")).containsIgnoringCase("<b>living water</b>");
    }
    List<Float> scores = result.hits().stream().map(SearchIndex.Hit::score).toList();
    assertThat(scores).isSortedAccordingTo((a, b) -> Float.compare(b, a));
  }
}
