package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.engine.Engine;
import dev.sluice.engine.Indexes;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.Position;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.operators.RowKey;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import dev.sluice.stores.search.SearchIndex;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice verify} on a stopped data folder: clean, then with the log or a view tampered with. */
class VerifyTest {
  private static final String SEGMENT = "00000000000000000000.log";
  private static final String VIEW = "FROM orders |> AGGREGATE count(*) AS n, sum(amount) AS total GROUP BY country";

  private static final String DERIVED = "FROM orders |> WHERE amount > 30 |> SELECT order_id, amount";
  private static final String INDEX = "CREATE INDEX orders_by_country ON orders (country)";
  private static final String SEARCH_INDEX = "CREATE SEARCH INDEX order_search ON orders (note, country) FACETS (country)";

  @TempDir Path data;
  /** Where the event whose value holds "marker" landed. */
  private Position marked;

  record Run(int exit, String out, String err) {}

  private Run verify() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Main.run(new String[] {"verify", "--data", data.toString()}, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A folder as {@code sluice serve} leaves it: 40 orders, one request each, and a live view of them. */
  @BeforeEach
  void fill() throws Exception {
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults());
        Engine engine = Engine.open(log, data.resolve("views"))) {
      log.create(new StreamSpec("orders", StreamKind.STREAM, "order_id", 3), false);
      Token token = Token.empty();
      for (int i = 0; i < 40; i++) {
        String country = List.of("FR", "DE", "IT").get(i % 3);
        String value = "{\"order_id\":\"o" + i + "\",\"country\":\"" + country + "\",\"amount\":" + (i + 1)
            + (i == 20 ? ",\"note\":\"marker\"" : "") + "}";
        AppendResult result = log.append("orders", List.of(Event.of("o" + i, value.getBytes(StandardCharsets.UTF_8)))).get();
        token = token.merge(result.token());
        if (i == 20) {
          marked = result.positions().get(0);
        }
      }
      Statement.Query query = (Statement.Query) Parser.parseStatement(VIEW);
      engine.create("by_country", query.pipeline(), VIEW, false, false);
      assertThat(engine.scan("by_country", null, null, null, 10, token, Duration.ofSeconds(30))).hasSize(3);
      Statement.Query big = (Statement.Query) Parser.parseStatement(DERIVED);
      engine.createDerivedStream(new StreamSpec("big_orders", StreamKind.STREAM, "order_id", 2), big.pipeline(), DERIVED, false);
      awaitEvents(log, "big_orders", 10);
      for (String index : List.of(INDEX, SEARCH_INDEX)) {
        engine.indexes().create(Indexes.Declaration.of(Parser.parseStatement(index)).orElseThrow(), index);
      }
      assertThat(engine.indexes().lookup("orders_by_country", List.of("IT"), null, 100, token, Duration.ofSeconds(30)).rows())
          .hasSize(13);
      assertThat(engine.indexes().search("order_search", "marker", 10, 0, List.of(), token, Duration.ofSeconds(30)).total())
          .isEqualTo(1);
    }
  }

  @Test
  void aCleanFolderVerifies() {
    Run run = verify();

    assertThat(run.exit()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("50 records checked").contains("view 'by_country' v1: 3 rows recomputed from the log")
        .contains("matches").contains("ok: ");
    assertThat(run.out()).contains("index 'orders_by_country' v1: 40 rows recomputed from the log")
        .contains("40 entries (indexed value, row key, row) compared");
    assertThat(run.out()).contains("search index 'order_search' v1: 40 rows recomputed from the log")
        .contains("40 documents compared with its last Lucene commit");
    assertThat(run.out()).contains("derived stream 'big_orders' v1: 10 events derived again from 40 input events and compared"
        + " by id with the 10 it holds");
  }

  @Test
  void aFlippedByteInASegmentIsNamedByStreamPartitionOffsetAndSegment() throws IOException {
    try (FileChannel file = FileChannel.open(data.resolve("streams/orders").resolve(SEGMENT), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long at = find(file, "marker");
      ByteBuffer one = ByteBuffer.allocate(1);
      file.read(one, at);
      file.write(ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 0x01)}), at);
    }

    Run run = verify();

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("log: stream 'orders' partition " + marked.partition() + " offset " + marked.offset()
        + " (segment " + SEGMENT + ", byte ").contains("fails verification (CRC32C mismatch)");
    assertThat(run.err()).startsWith("sluice: verify found");
  }

  @Test
  void aRewrittenRecordWithAValidChecksumBreaksTheHashChain() throws IOException {
    try (FileChannel file = FileChannel.open(data.resolve("streams/orders").resolve(SEGMENT), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long marker = find(file, "marker");
      // Change the value ("marker" → "Marker") and give the batch a correct CRC32C again, as someone
      // rewriting history would: only the hash chain can tell.
      file.write(ByteBuffer.wrap("M".getBytes(StandardCharsets.US_ASCII)), marker);
      long batch = batchHolding(file, marker);
      ByteBuffer length = ByteBuffer.allocate(4);
      file.read(length, batch);
      ByteBuffer body = ByteBuffer.allocate(length.getInt(0) - 4);
      file.read(body, batch + 8);
      CRC32C crc = new CRC32C();
      crc.update(body.flip());
      file.write(ByteBuffer.allocate(4).putInt(0, (int) crc.getValue()), batch + 4);
    }

    Run run = verify();

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("log: stream 'orders' partition " + marked.partition() + " offset " + marked.offset()
        + " (segment " + SEGMENT + ", byte ").contains("hash chain broken");
  }

  @Test
  void aChangedViewRowIsNamedWithItsKeyTheExpectedAndTheActualRow() {
    try (KeyValueStore store = KeyValueStore.open(data.resolve("views/state"))) {
      Space space = store.space("view:by_country:1");
      byte[] key = RowKey.of("FR").bytes();
      byte[] stored = new byte[key.length + 1];
      stored[0] = 1; // the row prefix of the engine's layout
      System.arraycopy(key, 0, stored, 1, key.length);
      try (var batch = space.batch()) {
        batch.put(stored, "{\"country\":\"FR\",\"n\":14,\"total\":1000000}".getBytes(StandardCharsets.UTF_8));
        batch.commit();
      }
    }

    Run run = verify();

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("view 'by_country' key \"FR\": row differs; expected {\"country\":\"FR\",\"n\":14,\"total\":287}"
        + ", actual {\"country\":\"FR\",\"n\":14,\"total\":1000000}");
    assertThat(run.out()).contains("its checkpointed digest");
  }

  @Test
  void aChangedIndexEntryIsNamedWithItsValueRowKeyTheExpectedAndTheActualRow() {
    String rowKey;
    try (KeyValueStore store = KeyValueStore.open(data.resolve("views/state"))) {
      Space space = store.space("view:orders_by_country:1");
      byte[][] entry = entryHolding(space, "\"order_id\":\"o20\"");
      List<?> parts = (List<?>) RowKey.fromBytes(Arrays.copyOfRange(entry[0], 1, entry[0].length)).value();
      rowKey = RowKey.of(parts.get(1)).toString();
      try (var batch = space.batch()) {
        batch.put(entry[0], new String(entry[1], StandardCharsets.UTF_8).replace("\"amount\":21", "\"amount\":999")
            .getBytes(StandardCharsets.UTF_8));
        batch.commit();
      }
    }

    Run run = verify();

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).containsPattern("index 'orders_by_country' value \"IT\", row key " + Pattern.quote(rowKey)
        + ": entry differs; expected \\{[^}]*\"amount\":21[^}]*}, actual \\{[^}]*\"amount\":999");
  }

  @Test
  void aChangedSearchDocumentIsNamedWithItsKeyAndWhatDiffers() {
    byte[][] row;
    try (KeyValueStore store = KeyValueStore.open(data.resolve("views/state"))) {
      row = entryHolding(store.space("view:order_search:1"), "marker");
    }
    byte[] key = Arrays.copyOfRange(row[0], 1, row[0].length);
    String tampered = new String(row[1], StandardCharsets.UTF_8).replace("marker", "forged");
    try (SearchIndex index = SearchIndex.open(data.resolve("views/search/view-order_search-1"), List.of("note", "country"),
        List.of("country"))) {
      index.put(key, tampered, Map.of("note", List.of("forged"), "country", List.of("IT")), Map.of("country", List.of("XX")));
      index.commit(index.committedData());
    }

    Run run = verify();

    assertThat(run.exit()).isEqualTo(1);
    String document = "search index 'order_search' document " + RowKey.fromBytes(key);
    assertThat(run.out()).contains(document + ": document's row differs; expected {").contains("actual " + tampered);
    assertThat(run.out()).contains(document + ": document's text field 'note' differs; expected note [marker], actual note [forged]");
    assertThat(run.out()).contains(document + ": document's facet 'country' differs; expected country [IT], actual country [XX]");
  }

  @Test
  void anEventInADerivedStreamThatItsInputsDoNotDeriveIsNamed() throws Exception {
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults())) {
      // Past the engine, straight into the log: what a bug or a hand-made folder could do.
      log.append("big_orders", List.of(new Event("o3", "orders/o3/forged", 1L, List.of("o3"), false,
          "{\"order_id\":\"o3\",\"amount\":4000}".getBytes(StandardCharsets.UTF_8)))).get();
    }

    Run run = verify();

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("derived stream 'big_orders' event orders/o3/forged: event that its inputs do not derive;"
        + " expected no event, actual key o3, time 1, causes [o3], value {\"order_id\":\"o3\",\"amount\":4000}");
  }

  private static void awaitEvents(EmbeddedLog log, String stream, long events) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (log.endOffset(stream, 0) + log.endOffset(stream, 1) < events) {
      assertThat(System.nanoTime()).as("%s holds %d events", stream, events).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /** The first row-prefixed entry of {@code space} whose JSON contains {@code text}: {key, value}. */
  private static byte[][] entryHolding(Space space, String text) {
    byte[][] found = new byte[2][];
    space.scan(new byte[] {1}, new byte[] {2}, (key, value) -> {
      if (new String(value, StandardCharsets.UTF_8).contains(text)) {
        found[0] = key;
        found[1] = value;
        return false;
      }
      return true;
    });
    assertThat(found[0]).as("an entry holding " + text).isNotNull();
    return found;
  }

  @Test
  void theDigestAServerShowsInStatusIsTheOneVerifyRecomputes() throws Exception {
    String digest;
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults());
        Engine engine = Engine.open(log, data.resolve("views"))) {
      SluiceServer server = SluiceServer.start(log, engine, Config.defaults().withPort(0).withDataDir(data));
      try {
        JsonNode views = awaitDigest(server.port());
        assertThat(views.get(0).path("view").asText()).isEqualTo("by_country");
        assertThat(views.get(0).path("rows").asLong()).isEqualTo(3);
        assertThat(Token.decode(views.get(0).path("token").asText()).ends().get("orders").values().stream()
            .mapToLong(Long::longValue).sum()).isEqualTo(40);
        digest = views.get(0).path("digest").asText();
      } finally {
        server.stop();
      }
    }

    Run run = verify();

    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("digest " + digest + " matches");
  }

  private static JsonNode awaitDigest(int port) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      JsonNode views = new ObjectMapper().readTree(body).path("views");
      if (views.size() > 0 || System.nanoTime() > deadline) {
        return views;
      }
      Thread.sleep(20);
    }
  }

  @Test
  void aValueHeldTwiceUnderAConstraintIsNamed() throws Exception {
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults());
        Engine engine = Engine.open(log, data.resolve("views"))) {
      log.create(new StreamSpec("users", StreamKind.TABLE, "user_id", 2), false);
      engine.constraints().create("unique_username", "users", List.of("username"), false);
      var constraint = engine.constraints().on("users").orElseThrow();
      var claim = engine.constraints().claim(constraint, List.of(Event.of("u1",
          "{\"user_id\":\"u1\",\"username\":\"alice\"}".getBytes(StandardCharsets.UTF_8)))).get();
      assertThat(engine.constraints().awaitOutcome(constraint, claim.positions().get(0), System.nanoTime() + 30_000_000_000L)).isPresent();
    }
    Run clean = verify();
    assertThat(clean.exit()).as(clean.out()).isZero();
    assertThat(clean.out()).contains("constraint 'unique_username' on users: 1 claims, 1 decided, 1 values held once each");

    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults())) {
      // Past the constraint, straight into the log: what a bug or a hand-made folder could do.
      log.append("users", List.of(Event.of("u2", "{\"user_id\":\"u2\",\"username\":\"alice\"}".getBytes(StandardCharsets.UTF_8)))).get();
    }
    Run run = verify();

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("constraint 'unique_username': username = \"alice\" is held by [u1, u2]");
  }

  @Test
  void aFolderInUseIsRefused() {
    try (EmbeddedLog running = EmbeddedLog.open(data, EmbeddedLog.Options.defaults())) {
      Run run = verify();

      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.err()).contains("is in use by another Sluice");
    }
  }

  private static long find(FileChannel file, String text) throws IOException {
    ByteBuffer all = ByteBuffer.allocate((int) file.size());
    file.read(all, 0);
    String content = new String(all.array(), StandardCharsets.ISO_8859_1);
    int at = content.indexOf(text);
    assertThat(at).as("'" + text + "' in the segment").isPositive();
    return at;
  }

  /** The start of the batch holding byte {@code at}, walking batches from the header (3 partitions). */
  private static long batchHolding(FileChannel file, long at) throws IOException {
    long position = 8 + 2 + 2 + 8 + 8 + 3 * (8 + 16) + 4;
    while (true) {
      ByteBuffer length = ByteBuffer.allocate(4);
      file.read(length, position);
      long next = position + 4 + length.getInt(0);
      if (at < next) {
        return position;
      }
      position = next;
    }
  }
}
