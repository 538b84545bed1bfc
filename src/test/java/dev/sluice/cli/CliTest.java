package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Record;
import dev.sluice.log.embedded.EmbeddedLog;
import dev.sluice.server.Config;
import dev.sluice.server.SluiceServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line run in process against a real server, as a user at a shell would. */
class CliTest {
  private EmbeddedLog log;
  private SluiceServer server;
  private String url;

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start(@TempDir Path dataDir) {
    log = EmbeddedLog.open(dataDir, EmbeddedLog.Options.defaults());
    server = SluiceServer.start(log, Config.defaults().withPort(0).withDataDir(dataDir));
    url = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.stop();
    log.close();
  }

  /** Runs {@code sluice ARGS --url URL} with the given stdin. */
  private static Run run(String stdin, String url, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.isEmpty()) {
      all.add("--url");
      all.add(url);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Main.run(all.toArray(String[]::new), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Run sluice(String... args) {
    return run("", url, args);
  }

  private Run withInput(String stdin, String... args) {
    return run(stdin, url, args);
  }

  private long events(String stream) {
    return log.stats(stream).events();
  }

  private static String ndjson(int from, int to) {
    StringBuilder lines = new StringBuilder();
    IntStream.range(from, to).forEach(i -> lines.append("{\"order_id\":\"o").append(i % 7).append("\",\"n\":").append(i).append("}\n"));
    return lines.toString();
  }

  @Test
  void execCreatesAStreamAndShowsItAsATable() {
    Run run = sluice("exec", "CREATE STREAM orders KEY order_id PARTITIONS 2; SHOW STREAMS");

    assertThat(run.exit()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).startsWith("CREATE STREAM orders: created\n");
    assertThat(run.out()).containsPattern("\\norders +stream +order_id +2 +0 ");
    assertThat(log.stream("orders")).isPresent();
  }

  @Test
  void execReadsStatementsFromAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("setup.sql");
    java.nio.file.Files.writeString(file, "CREATE TABLE customers KEY id;\nCREATE TABLE IF NOT EXISTS customers KEY id;\n");

    Run run = sluice("exec", "-f", file.toString());

    assertThat(run.exit()).isZero();
    assertThat(run.out()).isEqualTo("CREATE TABLE customers: created\nCREATE TABLE customers: exists already, unchanged\n");
  }

  @Test
  void appendLoadsNdjsonFromStdinInOrderWithAProgressLine() {
    sluice("exec", "CREATE STREAM orders KEY order_id");

    Run run = withInput(ndjson(0, 1200) + "\n   \n" + ndjson(1200, 2500), "append", "orders", "--batch", "1000");

    assertThat(run.exit()).isZero();
    assertThat(run.err()).startsWith("\rappended 1000 events (").endsWith("\n");
    assertThat(run.out()).startsWith("appended 2500 events to orders (0 duplicates) in ");
    List<Record> records = log.read("orders", 0, 0, 5000);
    assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactlyElementsOf(ndjson(0, 2500).lines().toList());
  }

  @Test
  void appendSendsTenThousandEventsARequestByDefault() {
    sluice("exec", "CREATE STREAM orders KEY order_id");
    String input = ndjson(0, 12_000) + "{\"amount\":3}\n";

    Run run = withInput(input, "append", "orders");

    // The bad last line rejects the second request whole: what the first held is appended.
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).startsWith("\rappended 10000 events (").endsWith(
        "sluice: line 12001 of the input: no _key and no 'order_id' member (the KEY of stream 'orders')"
            + " (the 10000 events before line 10001 were appended, none from it on)\n");
    assertThat(events("orders")).isEqualTo(10_000);
  }

  @Test
  void appendRefusesABatchOfNoEvents() {
    sluice("exec", "CREATE STREAM orders KEY order_id");

    assertOneLine(withInput(ndjson(0, 3), "append", "orders", "--batch", "0"), 2, "sluice: --batch must be at least 1, got 0");
    assertThat(events("orders")).isZero();
  }

  @Test
  void appendSendsItsArgumentsAsOneRequest() {
    sluice("exec", "CREATE STREAM orders KEY order_id PARTITIONS 3");

    Run run = sluice("append", "orders", "{\"order_id\":\"a\",\"price\":1.10}", "[{\"order_id\":\"b\"},{\"order_id\":\"c\"}]");

    assertThat(run.exit()).isZero();
    assertThat(run.out()).startsWith("appended 3 events to orders (0 duplicates); token ");
    assertThat(events("orders")).isEqualTo(3);
  }

  @Test
  void aRejectedLineStopsTheLoadAndIsNamedByItsInputLine() {
    sluice("exec", "CREATE STREAM orders KEY order_id");
    String input = ndjson(0, 1500) + "\n{\"amount\":3}\n" + ndjson(1500, 1600);

    Run run = withInput(input, "append", "orders", "--batch", "1000");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines().filter(l -> l.startsWith("sluice:")).toList()).containsExactly(
        "sluice: line 1502 of the input: no _key and no 'order_id' member (the KEY of stream 'orders')"
            + " (the 1000 events before line 1001 were appended, none from it on)");
    assertThat(events("orders")).isEqualTo(1000);
  }

  @Test
  void aBadArgumentIsNamedAndNothingIsAppended() {
    sluice("exec", "CREATE STREAM orders KEY order_id");

    Run run = sluice("append", "orders", "{\"order_id\":\"a\"}", "{\"order_id\":\"b\",\"_delete\":true}");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("sluice: argument 2: _delete is only valid on a TABLE; 'orders' is a STREAM\n");
    assertThat(events("orders")).isZero();
  }

  @Test
  void readPrintsOnePartitionAsNdjson() {
    sluice("exec", "CREATE STREAM orders KEY order_id");
    withInput(ndjson(0, 10), "append", "orders");

    Run run = sluice("read", "orders", "--from", "3", "--limit", "2");

    assertThat(run.exit()).isZero();
    assertThat(run.out().lines()).hasSize(2);
    assertThat(run.out().lines().findFirst().orElseThrow()).startsWith("{\"_key\":\"o3\",").contains("\"_offset\":3,", "\"n\":3}");
  }

  @Test
  void readGoesOnPastTheEventsOneRequestMayCarry() {
    sluice("exec", "CREATE STREAM orders KEY order_id PARTITIONS 1");
    int total = ReadCommand.PAGE_EVENTS + 2_500;
    assertThat(withInput(ndjson(0, total), "append", "orders").exit()).isZero();

    Run middle = sluice("read", "orders", "--from", "1000", "--limit", String.valueOf(ReadCommand.PAGE_EVENTS + 1_000));
    Run all = sluice("read", "orders", "--limit", "1000000");

    assertThat(middle.exit()).as(middle.err()).isZero();
    List<String> lines = middle.out().lines().toList();
    assertThat(lines).hasSize(ReadCommand.PAGE_EVENTS + 1_000);
    for (int i = 0; i < lines.size(); i += 997) {
      assertThat(lines.get(i)).contains("\"_offset\":" + (1000 + i) + ",", "\"n\":" + (1000 + i) + "}");
    }
    assertThat(lines.get(lines.size() - 1)).contains("\"_offset\":" + (ReadCommand.PAGE_EVENTS + 1_999) + ",");
    List<String> everything = all.out().lines().toList();
    assertThat(everything).hasSize(total);
    assertThat(IntStream.range(0, total).filter(i -> !everything.get(i).endsWith("\"n\":" + i + "}")).boxed().toList())
        .as("events out of order or missing").isEmpty();
    assertOneLine(sluice("read", "orders", "--limit", "0"), 2, "sluice: --limit must be at least 1, got 0");
  }

  @Test
  void statusAndStreamsDescribeTheServer() {
    sluice("exec", "CREATE STREAM orders KEY order_id PARTITIONS 2");
    sluice("append", "orders", "{\"order_id\":\"a\"}");

    assertThat(sluice("status").out()).startsWith("Sluice ").contains("streams    1 (1 events, ");
    assertThat(sluice("streams").out()).containsPattern("orders +stream +order_id +2 +1 ");
  }

  @Test
  void everyFailureIsOneLineOnStderrAndANonZeroExit() {
    assertOneLine(sluice("append", "nope", "{\"a\":1}"), 1, "sluice: unknown stream 'nope'");
    assertOneLine(withInput("{\"a\":1}\n", "append", "nope"), 1, "sluice: unknown stream 'nope'");
    assertOneLine(sluice("append", "nope"), 1, "sluice: unknown stream 'nope'");
    assertOneLine(sluice("read", "nope"), 1, "sluice: unknown stream 'nope'");
    assertOneLine(sluice("exec", "CREATE STREAM a;\nSHOW STREMS"), 1,
        "sluice: line 2, column 6: ");
    assertOneLine(sluice("append", "orders", "{\"a\":"), 2, "sluice: argument 1 is not JSON: ");
    assertOneLine(sluice("exec"), 2, "sluice: give the statements, or -f FILE, but not both");
    assertOneLine(sluice("frobnicate"), 2, "sluice: unknown command 'frobnicate' (see 'sluice --help')");
    assertOneLine(sluice(), 2, "sluice: name a command");
    assertOneLine(run("", "http://127.0.0.1:1", "status"), 1,
        "sluice: cannot reach Sluice at http://127.0.0.1:1 — is 'sluice serve' running?");
  }

  private static void assertOneLine(Run run, int exit, String line) {
    assertThat(run.exit()).as(run.err()).isEqualTo(exit);
    assertThat(run.err()).startsWith(line).endsWith("\n");
    assertThat(run.err().lines()).hasSize(1);
  }
}
