package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.language.Parser;
import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.stores.search.SearchIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The chapter's promise for indexes: after a random history of inserts, updates and deletes — part
 * of it before the index is created (backfill), part after (live), with a restart in between — an
 * index and a search index hold exactly what a batch recomputation of their pipeline says.
 */
class IndexPropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final List<String> WORDS = List.of("red", "green", "lamp", "desk", "oak", "brass");
  private static final List<String> CATEGORIES = List.of("a", "b", "c");
  private static final String PIPELINE = "FROM products |> JOIN brands USING (brand_id) |> SELECT id, title, category, brand";

  @Property(tries = 12)
  void indexesEqualTheirBatchRecomputation(@ForAll long seed) throws Exception {
    Random random = new Random(seed);
    Path dir = Files.createTempDirectory("sluice-index-props");
    EmbeddedLog log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    Engine engine = Engine.open(log, dir.resolve("views"));
    try {
      log.create(new StreamSpec("products", StreamKind.TABLE, "id", 2), false);
      log.create(new StreamSpec("brands", StreamKind.TABLE, "brand_id", 1), false);
      int before = random.nextInt(4);
      int after = random.nextInt(4);
      for (int i = 0; i < before; i++) {
        appendRandom(log, random);
      }
      create(engine, "CREATE INDEX by_category ON (" + PIPELINE + ") (category)");
      create(engine, "CREATE SEARCH INDEX finder ON (" + PIPELINE + ") (title, brand) FACETS (category)");
      for (int i = 0; i < after; i++) {
        appendRandom(log, random);
        if (random.nextInt(4) == 0) {
          engine.close();
          engine = Engine.open(log, dir.resolve("views"));
        }
      }
      Token end = Recomputation.endOf(log);

      Map<String, List<String>> expected = IndexRecomputation.expectedLookups(PIPELINE, "category", log);
      Set<String> values = Set.of("a", "b", "c", "null");
      assertThat(IndexRecomputation.actualLookups(engine, "by_category", values, 1 + random.nextInt(5), end, WAIT))
          .isEqualTo(expected);

      Map<String, String> rows = Recomputation.batch(PIPELINE, log, Recomputation.history(log));
      assertThat(IndexRecomputation.documents(engine, "finder", end, WAIT)).isEqualTo(rows);
      for (String word : WORDS) {
        assertThat(IndexRecomputation.matches(engine, "finder", "title:" + word))
            .as("title:" + word)
            .isEqualTo(IndexRecomputation.expectedMatches(rows, "title", word));
      }
      assertThat(IndexRecomputation.matches(engine, "finder", "brand:acme"))
          .isEqualTo(IndexRecomputation.expectedMatches(rows, "brand", "acme"));
      assertThat(IndexRecomputation.facetCounts(engine, "finder", "category"))
          .isEqualTo(IndexRecomputation.expectedFacetCounts(rows, "category"));
    } finally {
      engine.close();
      log.close();
      SearchIndex.destroy(dir);
    }
  }

  private static void create(Engine engine, String statement) {
    var declaration = Indexes.Declaration.of(Parser.parseStatement(statement)).orElseThrow();
    engine.indexes().create(declaration, statement);
  }

  /** A batch of product inserts, updates and deletes, and brand renames. */
  private static void appendRandom(EmbeddedLog log, Random random) throws Exception {
    List<Event> products = new ArrayList<>();
    List<Event> brands = new ArrayList<>();
    int n = 1 + random.nextInt(12);
    for (int i = 0; i < n; i++) {
      if (random.nextInt(5) == 0) {
        String id = "b" + random.nextInt(3);
        ObjectNode brand = JSON.createObjectNode().put("brand_id", id).put("brand", random.nextBoolean() ? "Acme" : "Zenith");
        brands.add(new Event(id, null, null, List.of(), random.nextInt(6) == 0, JSON.writeValueAsBytes(brand)));
        continue;
      }
      String id = "p" + random.nextInt(10);
      boolean delete = random.nextInt(5) == 0;
      ObjectNode product = JSON.createObjectNode().put("id", id).put("brand_id", "b" + random.nextInt(3));
      StringBuilder title = new StringBuilder();
      for (int w = 0, words = 1 + random.nextInt(3); w < words; w++) {
        String word = WORDS.get(random.nextInt(WORDS.size()));
        title.append(w == 0 ? "" : " ").append(random.nextBoolean() ? word.toUpperCase() : word);
      }
      product.put("title", title.toString());
      if (random.nextInt(5) == 0) {
        product.putNull("category");
      } else {
        product.put("category", CATEGORIES.get(random.nextInt(CATEGORIES.size())));
      }
      products.add(new Event(id, null, null, List.of(), delete, JSON.writeValueAsBytes(product)));
    }
    for (var batch : List.of(Map.entry("products", products), Map.entry("brands", brands))) {
      if (!batch.getValue().isEmpty()) {
        AppendResult r = log.append(batch.getKey(), batch.getValue()).get(30, TimeUnit.SECONDS);
        assertThat(r.positions()).hasSize(batch.getValue().size());
      }
    }
  }
}
