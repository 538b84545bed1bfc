package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tour of {@code examples/shop/README.md} against a real server over an embedded log: the
 * schema goes through {@code POST /statements}, the NDJSON files through {@code POST
 * /streams/…/events}, and the views are read over HTTP after the token of the last write. Every
 * figure is checked against a computation of the test's own from the same files: the shop as
 * plain maps, with no Sluice code in it.
 */
class ShopExampleTest {
  private static final Path SHOP = Path.of("examples", "shop");
  private static final ObjectMapper JSON = new ObjectMapper()
      .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  /** Reads wait this long for a token: generous, for a loaded machine. */
  private static final long READ_TIMEOUT_MS = 30_000;

  @TempDir Path dir;
  private EmbeddedLog log;
  private Engine engine;
  private SluiceServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** Every write so far: reads wait for all of them. */
  private Token written = Token.empty();
  private final Shop shop = new Shop();

  @BeforeEach
  void runTheSchemaAndAppendTheFiles() throws IOException {
    log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    engine = Engine.open(log, dir.resolve("views"));
    server = SluiceServer.start(log, engine, Config.defaults().withPort(0).withDataDir(dir));
    JsonNode results = post("/statements", Files.readString(SHOP.resolve("schema.sql")), "text/plain");
    assertThat(results.findValuesAsText("statement")).containsExactly("CREATE STREAM", "CREATE TABLE", "CREATE TABLE",
        "CREATE TABLE", "CREATE VIEW", "CREATE VIEW", "CREATE VIEW");
    for (String stream : List.of("customers", "products", "rates", "orders")) {
      String ndjson = Files.readString(SHOP.resolve(stream + ".ndjson"));
      JsonNode answer = append(stream, ndjson, "application/x-ndjson");
      assertThat(answer.path("appended").asLong()).as(stream).isEqualTo(ndjson.lines().count());
      ndjson.lines().forEach(line -> shop.apply(stream, line));
    }
  }

  @AfterEach
  void stop() {
    server.stop();
    engine.close();
    log.close();
  }

  @Test
  void theSchemaDeclaresTheShopsStreamsTablesAndViews() {
    assertThat(get("/views").findValuesAsText("name"))
        .containsExactlyInAnyOrder("revenue_by_country", "orders_per_minute", "revenue_eur_by_category");
    Map<String, String> kinds = new TreeMap<>();
    get("/streams").forEach(s -> kinds.put(s.path("name").asText(), s.path("kind").asText()));
    assertThat(kinds).isEqualTo(Map.of("orders", "stream", "customers", "table", "products", "table", "rates", "table"));
  }

  @Test
  void revenueByCountrySumsPaidOrdersWhereTheirCustomersLiveNow() {
    assertThat(rows("revenue_by_country")).isEqualTo(shop.revenueByCountry()).hasSize(7);
    // Ada and Chloé moved at the end of customers.ndjson: their orders count where they live now.
    assertThat(shop.customers.get("c01").path("country").asText()).isEqualTo("NL");
    assertThat(row("revenue_by_country", "[\"FR\",\"EUR\"]")).isEqualTo(shop.revenueByCountry().stream()
        .filter(r -> r.get("country").equals("FR")).findFirst().orElseThrow());
  }

  @Test
  void ordersPerMinuteCountsEachOrderInTheMinuteOfItsEventTime() {
    assertThat(rows("orders_per_minute")).isEqualTo(shop.ordersPerMinute()).hasSize(30);
  }

  @Test
  void aWindowsRowIsAddressedByItsStartAsItReadsInJson() {
    Map<String, String> first = rows("orders_per_minute").get(0);
    String start = first.get("window_start");
    assertThat(start).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(row("orders_per_minute", start)).isEqualTo(first);
  }

  @Test
  void revenueInEurConvertsEachPaidOrderAtTheRateOfItsCurrency() {
    assertThat(rows("revenue_eur_by_category")).isEqualTo(shop.revenueEurByCategory()).hasSize(4);
  }

  @Test
  void anOrderAViewCannotSumIsADeadLetterNamingTheEventAndTheReason() {
    append("orders", "{\"order_id\":\"bad-1\",\"customer_id\":\"c01\",\"status\":\"paid\",\"amount\":\"a lot\",\"currency\":\"EUR\"}",
        "application/json");
    assertThat(rows("revenue_by_country")).isEqualTo(shop.revenueByCountry());
    JsonNode letters = get("/views/revenue_by_country/dead_letters");
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).path("source").asText()).isEqualTo("orders");
    assertThat(letters.get(0).path("reason").asText()).contains("sum");
    JsonNode event = parse(getText("/streams/orders/events?partition=" + letters.get(0).path("partition").asInt()
        + "&from=" + letters.get(0).path("offset").asLong() + "&limit=1"));
    assertThat(event.path("order_id").asText()).isEqualTo("bad-1");
    assertThat(get("/views/revenue_by_country").path("dead_letters").asLong()).isEqualTo(1);
  }

  @Test
  void aCustomerWhoMovesTakesTheirPaidOrdersAlong() {
    List<Map<String, String>> before = rows("revenue_by_country");
    customerUpdate("{\"customer_id\":\"c02\",\"name\":\"Bruno\",\"country\":\"FR\"}");

    List<Map<String, String>> after = rows("revenue_by_country");
    assertThat(after).isEqualTo(shop.revenueByCountry());
    assertThat(count(after, "FR") - count(before, "FR")).as("Bruno's paid orders, now in FR")
        .isEqualTo(count(before, "DE") - count(after, "DE"))
        .isEqualTo(shop.paidOrdersOf("c02"))
        .isPositive();
  }

  @Test
  void aNewRateRepricesEveryPastOrderInItsCurrency() {
    List<Map<String, String>> before = rows("revenue_eur_by_category");
    rateUpdate("{\"currency\":\"USD\",\"eur\":0.95}");

    List<Map<String, String>> after = rows("revenue_eur_by_category");
    assertThat(after).isEqualTo(shop.revenueEurByCategory()).isNotEqualTo(before);
    assertThat(after).as("the same orders, priced again").extracting(r -> r.get("orders"))
        .isEqualTo(before.stream().map(r -> r.get("orders")).toList());
  }

  @Test
  void aLateOrderCountsInTheMinuteOfItsEventTime() {
    String late = "{\"order_id\":\"o301\",\"customer_id\":\"c02\",\"product_id\":\"p07\",\"quantity\":1,\"amount\":45.00,"
        + "\"currency\":\"EUR\",\"status\":\"paid\",\"_time\":\"2025-03-14T09:00:30Z\"}";
    append("orders", late, "application/json");
    shop.apply("orders", late);

    List<Map<String, String>> minutes = rows("orders_per_minute");
    assertThat(minutes).isEqualTo(shop.ordersPerMinute());
    assertThat(minutes.get(0)).containsEntry("window_start", "2025-03-14T09:00:00Z").containsEntry("orders", "13");
  }

  @Test
  void aRateVersionedByDayLeavesEarlierOrdersAlone() {
    // The README's way out of re-pricing: rates keyed by currency and day, joined on both.
    post("/statements", """
        CREATE TABLE daily_rates KEY rate_id;
        CREATE VIEW revenue_eur_at_order_date AS
          FROM orders
          |> WHERE status = 'paid'
          |> EXTEND concat(currency, '@', substr(concat(_time), 1, 10)) AS rate_id
          |> JOIN daily_rates USING (rate_id)
          |> AGGREGATE count(*) AS orders, round(sum(amount * eur), 2) AS revenue_eur""", "text/plain");
    StringBuilder rates = new StringBuilder();
    shop.rates.forEach((currency, rate) -> rates.append("{\"rate_id\":\"").append(currency).append("@2025-03-14\",\"eur\":")
        .append(rate.path("eur").decimalValue()).append("}\n"));
    append("daily_rates", rates.toString(), "application/x-ndjson");
    List<Map<String, String>> atOrderDate = rows("revenue_eur_at_order_date");
    assertThat(atOrderDate).containsExactly(Map.of("orders", Long.toString(shop.paidOrders().size()),
        "revenue_eur", decimal(shop.paidOrders().stream().map(o -> amountEur(o, shop.rates)).reduce(BigDecimal.ZERO, BigDecimal::add)
            .setScale(2, RoundingMode.HALF_UP))));

    append("daily_rates", "{\"rate_id\":\"USD@2025-03-15\",\"eur\":0.95}", "application/json");
    assertThat(rows("revenue_eur_at_order_date")).as("the next day's rate").isEqualTo(atOrderDate);
  }

  /** The shop as the files describe it: tables as maps (last event per key wins), orders as a list. */
  private static final class Shop {
    final Map<String, JsonNode> customers = new HashMap<>();
    final Map<String, JsonNode> products = new HashMap<>();
    final Map<String, JsonNode> rates = new HashMap<>();
    final List<JsonNode> orders = new ArrayList<>();

    void apply(String stream, String line) {
      JsonNode event = parse(line);
      switch (stream) {
        case "customers" -> customers.put(event.path("customer_id").asText(), event);
        case "products" -> products.put(event.path("product_id").asText(), event);
        case "rates" -> rates.put(event.path("currency").asText(), event);
        case "orders" -> orders.add(event);
        default -> throw new IllegalArgumentException(stream);
      }
    }

    List<JsonNode> paidOrders() {
      return orders.stream().filter(o -> o.path("status").asText().equals("paid")).toList();
    }

    long paidOrdersOf(String customer) {
      return paidOrders().stream().filter(o -> o.path("customer_id").asText().equals(customer)).count();
    }

    List<Map<String, String>> revenueByCountry() {
      Map<List<String>, List<BigDecimal>> groups = new TreeMap<>(ShopExampleTest::compareKeys);
      for (JsonNode o : paidOrders()) {
        JsonNode customer = customers.get(o.path("customer_id").asText());
        if (customer != null) {
          groups.computeIfAbsent(List.of(customer.path("country").asText(), o.path("currency").asText()), k -> new ArrayList<>())
              .add(o.path("amount").decimalValue());
        }
      }
      List<Map<String, String>> rows = new ArrayList<>();
      groups.forEach((key, amounts) -> rows.add(row("country", key.get(0), "currency", key.get(1),
          "orders", Integer.toString(amounts.size()), "revenue", decimal(amounts.stream().reduce(BigDecimal.ZERO, BigDecimal::add)))));
      return rows;
    }

    List<Map<String, String>> ordersPerMinute() {
      Map<Instant, List<String>> minutes = new TreeMap<>();
      for (JsonNode o : orders) {
        Instant minute = Instant.parse(o.path("_time").asText()).truncatedTo(ChronoUnit.MINUTES);
        minutes.computeIfAbsent(minute, k -> new ArrayList<>()).add(o.path("customer_id").asText());
      }
      List<Map<String, String>> rows = new ArrayList<>();
      minutes.forEach((minute, customerIds) -> rows.add(row("window_start", minute.toString(),
          "orders", Integer.toString(customerIds.size()), "customers", Integer.toString(new HashSet<>(customerIds).size()))));
      return rows;
    }

    List<Map<String, String>> revenueEurByCategory() {
      Map<String, List<BigDecimal>> categories = new TreeMap<>();
      for (JsonNode o : paidOrders()) {
        JsonNode product = products.get(o.path("product_id").asText());
        if (product != null && rates.containsKey(o.path("currency").asText())) {
          categories.computeIfAbsent(product.path("category").asText(), k -> new ArrayList<>()).add(amountEur(o, rates));
        }
      }
      List<Map<String, String>> rows = new ArrayList<>();
      categories.forEach((category, amounts) -> rows.add(row("category", category, "orders", Integer.toString(amounts.size()),
          "revenue_eur", decimal(amounts.stream().reduce(BigDecimal.ZERO, BigDecimal::add).setScale(2, RoundingMode.HALF_UP)))));
      return rows;
    }
  }

  private static BigDecimal amountEur(JsonNode order, Map<String, JsonNode> rates) {
    return order.path("amount").decimalValue().multiply(rates.get(order.path("currency").asText()).path("eur").decimalValue());
  }

  private static int compareKeys(List<String> a, List<String> b) {
    return String.join("\u0000", a).compareTo(String.join("\u0000", b));
  }

  private void customerUpdate(String json) {
    append("customers", json, "application/json");
    shop.apply("customers", json);
  }

  private void rateUpdate(String json) {
    append("rates", json, "application/json");
    shop.apply("rates", json);
  }

  private static long count(List<Map<String, String>> rows, String country) {
    return rows.stream().filter(r -> r.get("country").equals(country)).mapToLong(r -> Long.parseLong(r.get("orders"))).sum();
  }

  /** A row as field → text, numbers in one canonical form ({@code 2262.50} and {@code 2262.5} are one value). */
  private static Map<String, String> canonical(JsonNode row) {
    Map<String, String> fields = new LinkedHashMap<>();
    row.fields().forEachRemaining(f -> fields.put(f.getKey(),
        f.getValue().isNumber() ? decimal(f.getValue().decimalValue()) : f.getValue().asText()));
    return fields;
  }

  private static Map<String, String> row(String... namesAndValues) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      fields.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return fields;
  }

  private static String decimal(BigDecimal value) {
    return value.stripTrailingZeros().toPlainString();
  }

  /** Every row of a view in key order, read after every write so far. */
  private List<Map<String, String>> rows(String view) {
    List<Map<String, String>> rows = new ArrayList<>();
    get("/views/" + view + "/rows?limit=10000&timeout_ms=" + READ_TIMEOUT_MS + "&after=" + written.encode())
        .forEach(r -> rows.add(canonical(r)));
    return rows;
  }

  private Map<String, String> row(String view, String key) {
    return canonical(get("/views/" + view + "/rows/" + URLEncoder.encode(key, StandardCharsets.UTF_8)
        + "?timeout_ms=" + READ_TIMEOUT_MS + "&after=" + written.encode()));
  }

  private JsonNode append(String stream, String body, String contentType) {
    JsonNode answer = post("/streams/" + stream + "/events", body, contentType);
    written = written.merge(Token.decode(answer.path("token").asText()));
    return answer;
  }

  private JsonNode get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  private String getText(String path) {
    try {
      return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private JsonNode post(String path, String body, String contentType) {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private JsonNode send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("%s %s: %s", request.method(), request.uri(), response.body()).isEqualTo(200);
      return parse(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }
}
