package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.Partitioner;
import dev.sluice.log.Record;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tour of {@code examples/bank/README.md} against a real server: transfers are the only write;
 * the ledger's debit and credit legs are derived from them onto the partitions of their accounts,
 * and balances from the ledger. Every figure is checked against the test's own bookkeeping of the
 * same file.
 */
class BankExampleTest {
  private static final Path BANK = Path.of("examples", "bank");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long WAIT_MS = 30_000;

  @TempDir Path dir;
  private EmbeddedLog log;
  private Engine engine;
  private SluiceServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** The transfers of the file, each id once: what the bank must have applied. */
  private final Map<String, JsonNode> transfers = new TreeMap<>();

  @BeforeEach
  void runTheSchemaAndAppendTheTransfers() throws IOException {
    log = EmbeddedLog.open(dir.resolve("log"), EmbeddedLog.Options.defaults());
    engine = Engine.open(log, dir.resolve("views"));
    server = SluiceServer.start(log, engine, Config.defaults().withPort(0).withDataDir(dir));
    JsonNode results = post("/statements", Files.readString(BANK.resolve("schema.sql")), "text/plain");
    assertThat(results.findValuesAsText("statement")).containsExactly("CREATE STREAM", "CREATE STREAM AS", "CREATE VIEW", "CREATE VIEW");
    String ndjson = Files.readString(BANK.resolve("transfers.ndjson"));
    ndjson.lines().map(BankExampleTest::json).forEach(t -> transfers.putIfAbsent(t.path("_id").asText(), t));
    JsonNode answer = post("/streams/transfers/events", ndjson, "application/x-ndjson");
    assertThat(answer.path("appended").asInt()).isEqualTo(transfers.size()).isEqualTo(60);
    assertThat(answer.path("duplicates").asInt()).as("retried transfers in the file").isEqualTo(6);
  }

  @AfterEach
  void stop() {
    server.stop();
    engine.close();
    log.close();
  }

  @Test
  void everyTransferHasExactlyOneDebitAndOneCreditOnTheirAccountsPartitions() {
    Token ledger = ledgerCaughtUp();
    List<Record> legs = all("ledger");
    assertThat(legs).hasSize(2 * transfers.size());
    Map<String, List<JsonNode>> byTransfer = new HashMap<>();
    for (Record leg : legs) {
      JsonNode value = json(new String(leg.value(), StandardCharsets.UTF_8));
      byTransfer.computeIfAbsent(value.path("transfer_id").asText(), k -> new ArrayList<>()).add(value);
      assertThat(leg.causes()).containsExactly(value.path("transfer_id").asText());
      assertThat(leg.partition()).as("a leg lives on its account's partition").isEqualTo(Partitioner.partition(value.path("account").asText(), 4));
    }
    transfers.forEach((id, t) -> assertThat(byTransfer.get(id)).as(id).satisfiesExactlyInAnyOrder(
        debit -> assertThat(debit.toString()).isEqualTo(leg(id, t.path("payer").asText(), -t.path("amount").asInt(), "debit")),
        credit -> assertThat(credit.toString()).isEqualTo(leg(id, t.path("payee").asText(), t.path("amount").asInt(), "credit"))));
    assertThat(ledger.ends().get("ledger")).isNotEmpty();
  }

  @Test
  void balancesEqualTheBookkeepingAndMoneyIsConserved() {
    Token ledger = ledgerCaughtUp();
    Map<String, Integer> expected = new TreeMap<>();
    transfers.values().forEach(t -> {
      expected.merge(t.path("payer").asText(), -t.path("amount").asInt(), Integer::sum);
      expected.merge(t.path("payee").asText(), t.path("amount").asInt(), Integer::sum);
    });

    Map<String, Integer> balances = new TreeMap<>();
    get("/views/balances/rows?limit=100&after=" + ledger.encode()).forEach(r -> balances.put(r.path("account").asText(), r.path("balance").asInt()));

    assertThat(balances).isEqualTo(expected);
    assertThat(balances.values().stream().mapToInt(Integer::intValue).sum()).as("money in the bank").isZero();
  }

  @Test
  void retriedTransfersApplyOnce() throws IOException {
    JsonNode again = post("/streams/transfers/events", Files.readString(BANK.resolve("transfers.ndjson")), "application/x-ndjson");

    assertThat(again.path("appended").asInt()).isZero();
    assertThat(again.path("duplicates").asInt()).isEqualTo(66);
    ledgerCaughtUp();
    assertThat(all("ledger")).hasSize(2 * transfers.size());
  }

  @Test
  void anOverdraftIsDetectedByAViewAndAnsweredWithACompensationOnce() {
    Token ledger = ledgerCaughtUp();
    assertThat(get("/views/overdrawn/rows?after=" + ledger.encode()).toString()).isEqualTo("[{\"account\":\"dave\",\"balance\":-90}]");

    // The compensation: the overdraft facility covers the amount, under an id made from what it
    // answers, so that running the detector twice compensates once.
    String cover = "{\"_id\":\"cover/dave/-90\",\"transfer_id\":\"cover/dave/-90\",\"payer\":\"overdraft\",\"payee\":\"dave\",\"amount\":90}";
    post("/streams/transfers/events", cover, "application/json");
    JsonNode second = post("/streams/transfers/events", cover, "application/json");

    assertThat(second.path("duplicates").asInt()).isEqualTo(1);
    Token after = ledgerCaughtUp();
    assertThat(get("/views/overdrawn/rows?after=" + after.encode()).toString()).isEqualTo("[]");
    assertThat(get("/views/balances/rows/overdraft?after=" + after.encode()).path("balance").asInt()).isEqualTo(-90);
  }

  @Test
  void aTransfersLineageShowsBothLegsAndTheBalancesTheyChanged() {
    ledgerCaughtUp();

    JsonNode lineage = get("/lineage/transfers/t010");

    Set<String> accounts = new LinkedHashSet<>();
    lineage.path("derived").forEach(d -> d.path("views").forEach(v -> v.path("keys").forEach(k -> accounts.add(v.path("view").asText() + ":" + k.asText()))));
    JsonNode t = transfers.get("t010");
    assertThat(lineage.path("derived")).hasSize(2);
    assertThat(accounts).contains("balances:" + t.path("payer").asText(), "balances:" + t.path("payee").asText());
  }

  private static String leg(String id, String account, int amount, String kind) {
    return "{\"transfer_id\":\"" + id + "\",\"account\":\"" + account + "\",\"amount\":" + amount + ",\"leg\":\"" + kind + "\"}";
  }

  /**
   * Waits until the ledger has derived every transfer in the log, and returns the token of its
   * end: a read of balances after it sees both legs of every transfer — a consistent read.
   */
  private Token ledgerCaughtUp() {
    long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
    while (true) {
      ViewStatus ledger = engine.view("ledger").orElseThrow();
      if (ledger.lagEvents() == 0 && ledger.eventsProcessed() == log.stats("transfers").events()) {
        return Recomputation.endOf(log);
      }
      assertThat(System.nanoTime()).as("the ledger caught up with the transfers").isLessThan(deadline);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private List<Record> all(String stream) {
    List<Record> out = new ArrayList<>();
    for (int p = 0; p < log.stream(stream).orElseThrow().partitions(); p++) {
      out.addAll(log.read(stream, p, 0, 10_000));
    }
    return out;
  }

  private JsonNode get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
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
      assertThat(response.statusCode()).as(request.uri() + ": " + response.body()).isEqualTo(200);
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
