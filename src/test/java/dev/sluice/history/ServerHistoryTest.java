package dev.sluice.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cli.Main;
import dev.sluice.engine.ChildJvm;
import dev.sluice.history.History.Ack;
import dev.sluice.history.History.Append;
import dev.sluice.history.History.Outcome;
import dev.sluice.history.History.Read;
import dev.sluice.history.History.Seen;
import dev.sluice.history.History.Written;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Jepsen-style test of the log over HTTP: client threads append (new events, and retries of
 * appends whose outcome they could not know, with the same {@code _id}s) and read partitions back,
 * while the server, a child JVM running {@code sluice serve}, is SIGKILLed at random moments and
 * restarted, round after round. Every invocation and completion is recorded (ok with the positions
 * answered; failed when the request could not reach the server; unknown on a timeout, a reset
 * connection or a 5xx). At the end every partition is read whole, and {@link HistoryChecker}
 * checks the history: no acknowledged write lost, no duplicate, no two reads disagreeing about an
 * offset, dense offsets, atomic appends.
 */
class ServerHistoryTest {
  private static final long SEED = Long.getLong("sluice.history.seed", 20_261_202L);
  private static final int ROUNDS = 6;
  private static final int CLIENTS = 4;
  private static final int PARTITIONS = 3;
  private static final int KEYS = 24;
  private static final String STREAM = "history";
  /** Appends whose outcome is unknown that a client keeps to send again; older ones are given up. */
  private static final int RETRIES_KEPT_MAX = 32;
  private static final int FINAL_READ_LIMIT = 1_000;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SERVING = Pattern.compile("serving http://[^:]+:(\\d+)");

  @TempDir Path tmp;

  private final History history = new History();
  /** Where the server listens now; null while it is down between rounds. */
  private volatile URI base;
  private volatile boolean stopping;
  /** Per partition, one past the highest offset acknowledged: where reads pick their start below. */
  private final AtomicLongArray acknowledgedEnd = new AtomicLongArray(PARTITIONS);

  @Test
  void noAcknowledgedAppendIsLostOrDuplicatedAndReadsAgreeAcrossSigkills() throws Exception {
    System.out.println("ServerHistoryTest seed " + SEED + " (rerun with -Dsluice.history.seed=" + SEED + ")");
    Random random = new Random(SEED);
    Path data = tmp.resolve("data");
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int round = 0; round < ROUNDS; round++) {
        Process server = start(data, round);
        if (round == 0) {
          statement(base, "CREATE STREAM " + STREAM + " KEY k PARTITIONS " + PARTITIONS);
          for (int c = 0; c < CLIENTS; c++) {
            long seed = random.nextLong();
            int client = c;
            running.add(clients.submit(() -> runClient(client, new Random(seed))));
          }
        }
        Thread.sleep(300 + random.nextInt(2_000));
        server.toHandle().destroyForcibly();
        base = null;
        server.waitFor();
        Thread.sleep(random.nextInt(200));
      }
      stopping = true;
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      stopping = true;
      clients.shutdownNow();
    }
    Process server = start(data, ROUNDS);
    try {
      readEverything();
    } finally {
      server.toHandle().destroyForcibly();
      server.waitFor();
    }

    List<History.Operation> operations = history.operations();
    List<String> violations = HistoryChecker.check(operations);
    System.out.println("ServerHistoryTest: " + summary(operations));
    assertThat(violations).as("violations in a history of " + operations.size() + " operations").isEmpty();
    assertThat(operations.stream().filter(o -> o instanceof Append a && a.outcome() == Outcome.OK).count())
        .as("acknowledged appends").isGreaterThan(ROUNDS * 10L);
  }

  /** Starts {@code sluice serve} on the folder, on a free port, and waits until it answers. */
  private Process start(Path data, int round) throws Exception {
    Path stderr = tmp.resolve("server-" + round + ".err");
    Process server = ChildJvm.start(stderr, Main.class, "serve", "--data", data.toString(), "--port", "0");
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = SERVING.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            out.transferTo(Writer.nullWriter());
          } catch (IOException ended) {
            // The server was killed.
          }
        });
        drain.setDaemon(true);
        drain.start();
        base = URI.create("http://127.0.0.1:" + m.group(1));
        return server;
      }
      assertThat(System.nanoTime()).as("the server starts").isLessThan(deadline);
    }
    throw new AssertionError("the server ended before serving: " + Files.readString(stderr));
  }

  private static void statement(URI base, String text) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/statements"))
        .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  /** One client: appends new events, sends unknown ones again, reads; until the test stops. */
  private void runClient(int client, Random random) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    List<List<Written>> unknown = new ArrayList<>();
    long sequence = 0;
    while (!stopping) {
      URI at = base;
      if (at == null) {
        pause(10);
        continue;
      }
      int choice = random.nextInt(100);
      if (choice < 15 && !unknown.isEmpty()) {
        append(http, at, client, unknown.remove(random.nextInt(unknown.size())), unknown);
      } else if (choice < 65) {
        List<Written> events = new ArrayList<>();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
          String id = "c" + client + "-" + sequence++;
          events.add(new Written(id, "k" + random.nextInt(KEYS), id + ":" + Long.toHexString(random.nextLong())));
        }
        append(http, at, client, events, unknown);
      } else {
        int partition = random.nextInt(PARTITIONS);
        long from = (long) (random.nextDouble() * (acknowledgedEnd.get(partition) + 2));
        read(http, at, client, partition, from, 1 + random.nextInt(50));
      }
      while (unknown.size() > RETRIES_KEPT_MAX) {
        unknown.remove(0);
      }
    }
  }

  private void append(HttpClient http, URI at, int client, List<Written> events, List<List<Written>> unknown) {
    ArrayNode body = JSON.createArrayNode();
    for (Written w : events) {
      ObjectNode e = body.addObject();
      e.put("_id", w.id());
      e.put("k", w.key());
      e.put("v", w.value());
    }
    HttpRequest request = HttpRequest.newBuilder(at.resolve("/streams/" + STREAM + "/events")).timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    long invoked = System.nanoTime();
    Outcome outcome;
    List<Ack> positions = new ArrayList<>();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        outcome = Outcome.OK;
        for (JsonNode p : JSON.readTree(response.body()).path("positions")) {
          Ack ack = new Ack(p.path("partition").asInt(), p.path("offset").asLong(), p.path("duplicate").asBoolean());
          positions.add(ack);
          acknowledgedEnd.accumulateAndGet(ack.partition(), ack.offset() + 1, Math::max);
        }
      } else {
        // A 4xx refused the request whole; a 5xx may have come after it took effect.
        outcome = response.statusCode() < 500 ? Outcome.FAIL : Outcome.UNKNOWN;
      }
    } catch (ConnectException | HttpConnectTimeoutException notConnected) {
      outcome = Outcome.FAIL; // nothing was sent: the server is down
    } catch (IOException e) {
      outcome = Outcome.UNKNOWN; // sent, and the connection broke or timed out: it may have landed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = Outcome.UNKNOWN;
    }
    history.add(new Append(client, invoked, System.nanoTime(), events, outcome, positions));
    if (outcome == Outcome.UNKNOWN) {
      unknown.add(events);
    } else if (outcome == Outcome.FAIL) {
      pause(20);
    }
  }

  private void read(HttpClient http, URI at, int client, int partition, long from, int limit) {
    HttpRequest request = HttpRequest.newBuilder(at.resolve("/streams/" + STREAM + "/events?partition=" + partition
        + "&from=" + from + "&limit=" + limit)).timeout(REQUEST_TIMEOUT).GET().build();
    long invoked = System.nanoTime();
    Outcome outcome = Outcome.FAIL;
    List<Seen> seen = new ArrayList<>();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        for (String line : response.body().split("\n")) {
          if (!line.isBlank()) {
            JsonNode e = JSON.readTree(line);
            seen.add(new Seen(e.path("_partition").asInt(), e.path("_offset").asLong(), e.path("_id").asText(),
                e.path("v").asText()));
          }
        }
        outcome = Outcome.OK;
      }
    } catch (IOException e) {
      outcome = Outcome.UNKNOWN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    history.add(new Read(client, invoked, System.nanoTime(), partition, from, limit, outcome,
        outcome == Outcome.OK ? seen : List.of()));
  }

  /** Reads every partition from offset 0 to its end, page by page: the checker needs the whole log. */
  private void readEverything() {
    HttpClient http = HttpClient.newHttpClient();
    for (int p = 0; p < PARTITIONS; p++) {
      long from = 0;
      while (true) {
        int before = history.operations().size();
        read(http, base, CLIENTS, p, from, FINAL_READ_LIMIT);
        Read page = (Read) history.operations().get(before);
        assertThat(page.outcome()).as("the final read of partition %d from %d", p, from).isEqualTo(Outcome.OK);
        from += page.events().size();
        if (page.events().size() < FINAL_READ_LIMIT) {
          break;
        }
      }
    }
  }

  private static String summary(List<History.Operation> operations) {
    long[] appends = new long[Outcome.values().length];
    long reads = 0;
    long retried = 0;
    java.util.Set<String> sent = new java.util.HashSet<>();
    for (History.Operation o : operations) {
      if (o instanceof Append a) {
        appends[a.outcome().ordinal()]++;
        if (!sent.add(a.events().get(0).id())) {
          retried++;
        }
      } else if (o.outcome() == Outcome.OK) {
        reads++;
      }
    }
    return appends[Outcome.OK.ordinal()] + " appends acknowledged, " + appends[Outcome.UNKNOWN.ordinal()]
        + " with an unknown outcome, " + appends[Outcome.FAIL.ordinal()] + " failed (" + retried + " of all were retries); "
        + reads + " reads; " + ROUNDS + " SIGKILLs";
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
