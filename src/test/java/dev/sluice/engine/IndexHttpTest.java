package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Indexes and search indexes through the HTTP API, as a user meets them. */
class IndexHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private EmbeddedLog log;
  private Engine engine;
  private SluiceServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() {
    log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    engine = Engine.open(log, dir.resolve("views"));
    server = SluiceServer.start(log, engine, Config.defaults().withPort(0).withDataDir(dir));
  }

  @AfterEach
  void stop() {
    server.stop();
    engine.close();
    log.close();
  }

  private record Answer(int status, String body, HttpResponse<String> response) {
    JsonNode json() throws Exception {
      return JSON.readTree(body);
    }
  }

  private Answer get(String path) throws Exception {
    var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body(), r);
  }

  private Answer post(String path, String body) throws Exception {
    var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body(), r);
  }

  private String exec(String statements) throws Exception {
    Answer a = post("/statements", statements);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    return a.body();
  }

  private String append(String stream, String body) throws Exception {
    Answer a = post("/streams/" + stream + "/events", body);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    return a.json().get("token").asText();
  }

  private static String q(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  @Test
  void anIndexFindsEveryRowWithAValueAndFollowsUpdatesAndDeletes() throws Exception {
    exec("CREATE TABLE orders KEY order_id PARTITIONS 2; CREATE INDEX orders_by_customer ON orders (customer_id)");
    String first = append("orders", "[{\"order_id\":\"o1\",\"customer_id\":\"c1\"},{\"order_id\":\"o2\",\"customer_id\":\"c1\"},"
        + "{\"order_id\":\"o3\",\"customer_id\":\"c2\"}]");
    // Both appends' positions: o1 may be in a partition the second append does not touch.
    String token = Token.decode(first).merge(Token.decode(append("orders", "{\"order_id\":\"o2\",\"customer_id\":\"c2\"}")))
        .encode();

    JsonNode c1 = get("/views/orders_by_customer/rows/c1?after=" + token).json();
    JsonNode c2 = get("/views/orders_by_customer/rows/c2?after=" + token).json();
    assertThat(c1.findValuesAsText("order_id")).containsExactly("o1");
    assertThat(c2.findValuesAsText("order_id")).containsExactlyInAnyOrder("o2", "o3");

    token = append("orders", "{\"order_id\":\"o3\",\"_delete\":true}");
    assertThat(get("/views/orders_by_customer/rows/c2?after=" + token).json().findValuesAsText("order_id"))
        .containsExactly("o2");
    assertThat(get("/views/orders_by_customer/rows/nobody").json()).isEmpty();
  }

  @Test
  void anIndexLookupIsPagedWithACursor() throws Exception {
    exec("CREATE STREAM clicks KEY user PARTITIONS 3; CREATE INDEX clicks_by_page ON clicks (page)");
    StringBuilder events = new StringBuilder("[");
    for (int i = 0; i < 25; i++) {
      events.append(i == 0 ? "" : ",").append("{\"user\":\"u").append(i).append("\",\"page\":\"home\"}");
    }
    String token = append("clicks", events.append("]").toString());
    List<String> users = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Answer page = get("/views/clicks_by_page/rows/home?limit=10&after=" + token + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.status()).as(page.body()).isEqualTo(200);
      users.addAll(page.json().findValuesAsText("user"));
      cursor = page.response().headers().firstValue("Sluice-Next-Cursor").orElse(null);
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(users).hasSize(25).doesNotHaveDuplicates();
  }

  @Test
  void aSearchIndexAnswersRankedHitsWithHighlightsAndFacets() throws Exception {
    exec("CREATE TABLE products KEY id; "
        + "CREATE SEARCH INDEX product_search ON products (title, description) FACETS (category)");
    append("products", "[{\"id\":\"p1\",\"title\":\"Brass desk lamp\",\"description\":\"A lamp for reading\",\"category\":\"lighting\"},"
        + "{\"id\":\"p2\",\"title\":\"Oak desk\",\"description\":\"Solid oak, no lamp\",\"category\":\"furniture\"},"
        + "{\"id\":\"p3\",\"title\":\"Floor lamp\",\"description\":\"Tall\",\"category\":\"lighting\"}]");
    String token = append("products", "{\"id\":\"p3\",\"_delete\":true}");

    Answer a = get("/views/product_search/search?q=lamp&facets=category&after=" + token);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    JsonNode result = a.json();
    assertThat(result.get("total").asLong()).isEqualTo(2);
    assertThat(result.get("hits").get(0).get("key").asText()).isEqualTo("p1"); // lamp in title and description
    assertThat(result.get("hits").get(0).get("highlights").get("title").asText()).contains("<b>lamp</b>");
    assertThat(result.get("hits").get(0).get("row").get("category").asText()).isEqualTo("lighting");
    assertThat(result.get("facets").get("category").get("lighting").asLong()).isEqualTo(1);
    assertThat(result.get("facets").get("category").get("furniture").asLong()).isEqualTo(1);

    JsonNode phrase = get("/views/product_search/search?q=" + q("\"desk lamp\"")).json();
    assertThat(phrase.get("total").asLong()).isEqualTo(1);
    assertThat(get("/views/product_search/search?q=" + q("title:lam*")).json().get("total").asLong()).isEqualTo(1);
    assertThat(get("/views/product_search/search?q=" + q("oka~1")).json().get("total").asLong()).isEqualTo(1);
    assertThat(get("/views/product_search/search?q=" + q("title:oak AND description:solid")).json().get("total").asLong())
        .isEqualTo(1);
  }

  @Test
  void aSearchIndexOverAnEnrichedPipelineSeesTheJoinedFields() throws Exception {
    exec("CREATE TABLE brands KEY brand_id; CREATE TABLE products KEY id; "
        + "CREATE SEARCH INDEX s ON (FROM products |> JOIN brands USING (brand_id) |> SELECT id, title, brand) (title, brand)");
    append("brands", "{\"brand_id\":\"b1\",\"brand\":\"Acme\"}");
    String token = append("products", "{\"id\":\"p1\",\"brand_id\":\"b1\",\"title\":\"Rocket skates\"}");
    assertThat(get("/views/s/search?q=acme&after=" + token).json().get("total").asLong()).isEqualTo(1);
    token = append("brands", "{\"brand_id\":\"b1\",\"brand\":\"Roadrunner\"}");
    assertThat(get("/views/s/search?q=acme&after=" + token).json().get("total").asLong()).isEqualTo(0);
    assertThat(get("/views/s/search?q=roadrunner").json().get("total").asLong()).isEqualTo(1);
  }

  @Test
  void badIndexesAndQueriesAreRefusedWithClearErrors() throws Exception {
    exec("CREATE TABLE products KEY id; CREATE SEARCH INDEX s ON products (title) FACETS (category)");
    Answer unknownSource = post("/statements", "CREATE INDEX i ON prodcts (title)");
    assertThat(unknownSource.status()).isEqualTo(404);
    assertThat(unknownSource.body()).contains("did you mean products");
    Answer unknownField = post("/statements", "CREATE INDEX i ON (FROM products |> SELECT id, title) (titel)");
    assertThat(unknownField.status()).isEqualTo(400);
    assertThat(unknownField.body()).contains("unknown field titel").contains("did you mean title");
    Answer badQuery = get("/views/s/search?q=" + q("title:(lamp"));
    assertThat(badQuery.status()).isEqualTo(400);
    assertThat(badQuery.body()).contains("does not parse");
    assertThat(get("/views/s/search?q=x&facets=colour").body()).contains("not a facet");
    assertThat(get("/views/s/search").status()).isEqualTo(400);
    assertThat(get("/views/nope/search?q=x").status()).isEqualTo(404);
  }

  @Test
  void indexesAreListedWithTheirKindAndCanBeReplacedAndDropped() throws Exception {
    exec("CREATE TABLE products KEY id; CREATE INDEX by_colour ON products (colour); "
        + "CREATE SEARCH INDEX s ON products (title)");
    String token = append("products", "{\"id\":\"p1\",\"colour\":\"red\",\"size\":\"L\",\"title\":\"Red shirt\"}");
    JsonNode views = get("/views").json();
    assertThat(views.findValuesAsText("kind")).containsExactly("index", "search index");
    exec("CREATE OR REPLACE INDEX by_colour ON products (size)");
    Answer bySize = get("/views/by_colour/rows/L?after=" + token + "&timeout_ms=30000");
    long deadline = System.currentTimeMillis() + 30_000;
    while (bySize.json().isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
      bySize = get("/views/by_colour/rows/L");
    }
    assertThat(bySize.json().findValuesAsText("id")).containsExactly("p1");
    assertThat(exec("SHOW SEARCH INDEXES")).contains("\"s\"");
    exec("DROP SEARCH INDEX s");
    assertThat(get("/views/s/search?q=red").status()).isEqualTo(404);
    assertThat(dir.resolve("views").resolve("search")).isEmptyDirectory();
  }

  @Test
  void anIndexOnAViewIndexesTheViewsRows() throws Exception {
    exec("CREATE STREAM orders KEY order_id; "
        + "CREATE VIEW per_customer AS FROM orders |> AGGREGATE count(*) AS n GROUP BY customer_id; "
        + "CREATE INDEX customers_by_count ON per_customer (n)");
    String token = append("orders", "[{\"order_id\":\"o1\",\"customer_id\":\"c1\"},{\"order_id\":\"o2\",\"customer_id\":\"c1\"},"
        + "{\"order_id\":\"o3\",\"customer_id\":\"c2\"}]");
    assertThat(get("/views/customers_by_count/rows/2?after=" + token).json().findValuesAsText("customer_id")).containsExactly("c1");
    assertThat(get("/views/customers_by_count/rows/1?after=" + token).json().findValuesAsText("customer_id")).containsExactly("c2");
    Answer unknown = post("/statements", "CREATE INDEX x ON per_customer (count)");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body()).contains("unknown field count");
  }
}
