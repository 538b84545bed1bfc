package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.LogException;
import dev.sluice.log.LogModel;
import dev.sluice.log.Record;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.stores.Folders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Random histories — appends of 1 to 20 events with ids from a small pool (so duplicates happen,
 * within a request too), generated-form ids, oversized events and requests, tombstones on streams,
 * unknown streams, restarts — run against the embedded log (small segments, so they roll) and
 * against {@link LogModel}. After every step both gave the same answer and hold the same records.
 */
class LogModelPropertiesTest {
  private static final int EVENT_BYTES_MAX = 1024;
  private static final long REQUEST_BYTES_MAX = 4096;

  sealed interface Step permits Append, Restart {}

  /** An append to stream {@code stream} modulo the streams there are; 29 names a stream that does not exist. */
  record Append(int stream, List<Event> events) implements Step {
    @Override
    public String toString() {
      return "Append(" + stream + ", " + events.stream().map(LogModelPropertiesTest::describe).toList() + ")";
    }
  }

  record Restart() implements Step {}

  // Edge cases off: jqwik would mix the last id of the pool into most requests and reject them all.
  @Property(tries = 60, edgeCases = EdgeCasesMode.NONE)
  void theLogAnswersAndHoldsExactlyWhatItsModelDoes(
      @ForAll("streamSpecs") List<StreamSpec> specs, @ForAll("histories") List<Step> steps) throws Exception {
    Path dir = Files.createTempDirectory("sluice-model");
    AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    EmbeddedLog.Options options =
        EmbeddedLog.Options.defaults()
            .withSegmentBytes(4096)
            .withLimits(EVENT_BYTES_MAX, REQUEST_BYTES_MAX)
            .withClock(clock::get);
    LogModel model = new LogModel(EVENT_BYTES_MAX, REQUEST_BYTES_MAX);
    EmbeddedLog log = EmbeddedLog.open(dir, options);
    int restarts = 0;
    try {
      for (StreamSpec spec : specs) {
        log.create(spec, false);
        model.create(spec);
      }
      for (Step step : steps) {
        switch (step) {
          case Append append -> {
            String stream = append.stream() == 29 ? "nope" : specs.get(append.stream() % specs.size()).name();
            LogModel.Outcome expected = model.append(stream, append.events(), clock.get());
            Statistics.label("appends").collect(kindOf(expected));
            assertAnswers(log, stream, append.events(), expected);
            clock.incrementAndGet();
          }
          case Restart restart -> {
            restarts++;
            log.close();
            log = EmbeddedLog.open(dir, options);
          }
        }
        assertHoldsWhatTheModelHolds(log, model);
      }
      Statistics.label("restarts").collect(restarts == 0 ? "none" : restarts == 1 ? "1" : "2 or more");
      Statistics.label("segments of the first stream").collect(segments(dir.resolve("streams").resolve(specs.get(0).name())));
    } finally {
      log.close();
      Folders.delete(dir);
    }
  }

  private static void assertAnswers(EmbeddedLog log, String stream, List<Event> events, LogModel.Outcome expected)
      throws Exception {
    AppendResult result;
    try {
      result = log.append(stream, events).get(30, TimeUnit.SECONDS);
    } catch (LogException | ExecutionException rejected) {
      LogException e = rejected instanceof LogException l ? l : (LogException) rejected.getCause();
      assertThat(expected).as("rejected with %s: %s", e.code(), e.getMessage()).isInstanceOf(LogModel.Rejected.class);
      assertThat(((LogModel.Rejected) expected).codes()).contains(e.code());
      return;
    }
    assertThat(expected).as("appended %s", result).isInstanceOf(LogModel.Appended.class);
    LogModel.Appended appended = (LogModel.Appended) expected;
    assertThat(result.positions()).isEqualTo(appended.positions());
    assertThat(result.appended()).isEqualTo(appended.appended());
    assertThat(result.duplicates()).isEqualTo(appended.duplicates());
    assertThat(result.token()).isEqualTo(Token.of(stream, appended.positions()));
  }

  private static void assertHoldsWhatTheModelHolds(EmbeddedLog log, LogModel model) {
    assertThat(log.streams()).isEqualTo(model.streams());
    for (StreamSpec spec : model.streams()) {
      for (int p = 0; p < spec.partitions(); p++) {
        List<String> expected = model.records(spec.name(), p).stream().map(LogModelPropertiesTest::describe).toList();
        assertThat(log.endOffset(spec.name(), p)).isEqualTo(expected.size());
        assertThat(Fixtures.readAll(log, spec.name(), p).stream().map(LogModelPropertiesTest::describe).toList())
            .as("stream %s partition %d", spec.name(), p)
            .isEqualTo(expected);
      }
    }
  }

  // ---- generators ----

  @Provide
  Arbitrary<List<StreamSpec>> streamSpecs() {
    Arbitrary<StreamKind> kinds = Arbitraries.of(StreamKind.class);
    Arbitrary<Integer> partitions = Arbitraries.integers().between(1, 5);
    return Combinators.combine(kinds, partitions)
        .as(Tuple::of)
        .list()
        .ofMinSize(1)
        .ofMaxSize(3)
        .map(shapes -> IntStream.range(0, shapes.size())
            .mapToObj(i -> new StreamSpec("s" + i, shapes.get(i).get1(), null, shapes.get(i).get2()))
            .toList());
  }

  @Provide
  Arbitrary<List<Step>> histories() {
    Arbitrary<Step> append =
        Combinators.combine(Arbitraries.integers().between(0, 29), events().list().ofMinSize(1).ofMaxSize(20).withSizeDistribution(RandomDistribution.uniform()))
            .as(Append::new);
    Arbitrary<Step> restart = Arbitraries.just(new Restart());
    return Arbitraries.frequencyOf(Tuple.of(8, append), Tuple.of(1, restart)).list().ofMinSize(5).ofMaxSize(40).withSizeDistribution(RandomDistribution.uniform());
  }

  private static Arbitrary<Event> events() {
    Arbitrary<String> keys = Arbitraries.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "ключ", "");
    Arbitrary<String> ids =
        Arbitraries.frequency(
                Tuple.of(200, "a"), Tuple.of(200, "b"), Tuple.of(200, "c"), Tuple.of(200, "d"), Tuple.of(200, "e"),
                Tuple.of(2, "@0.0"), Tuple.of(2, "@0.3"), Tuple.of(2, "@1.1"), Tuple.of(1, "@4.0"), Tuple.of(1, "@x"))
            .injectNull(0.5);
    Arbitrary<Long> times = Arbitraries.longs().between(0, 4_000_000_000_000L).injectNull(0.8);
    Arbitrary<List<String>> causes = Arbitraries.of("a", "b", "z").list().ofMaxSize(2);
    Arbitrary<Boolean> deletes = Arbitraries.frequency(Tuple.of(80, false), Tuple.of(1, true));
    Arbitrary<Integer> valueSizes =
        Arbitraries.frequencyOf(
            Tuple.of(150, Arbitraries.integers().between(0, 400).withDistribution(RandomDistribution.uniform())),
            Tuple.of(1, Arbitraries.integers().between(EVENT_BYTES_MAX + 1, EVENT_BYTES_MAX + 300)));
    Arbitrary<byte[]> values =
        Combinators.combine(valueSizes, Arbitraries.chars().alpha())
            .as((size, fill) -> ("{\"v\":\"" + String.valueOf(fill).repeat(size) + "\"}").getBytes(StandardCharsets.UTF_8));
    return Combinators.combine(keys, ids, times, causes, deletes, values).as(Event::new);
  }

  // ---- helpers ----

  /** For the statistics jqwik prints: shows that every kind of outcome is exercised. */
  private static String kindOf(LogModel.Outcome outcome) {
    return switch (outcome) {
      case LogModel.Rejected rejected -> "rejected " + rejected.codes();
      case LogModel.Appended appended when appended.duplicates() > 0 && appended.appended() > 0 -> "appended with duplicates";
      case LogModel.Appended appended when appended.duplicates() > 0 -> "all duplicates";
      case LogModel.Appended appended -> "appended";
    };
  }

  private static String describe(Record r) {
    return r.partition() + "/" + r.offset() + " key=" + r.key() + " id=" + r.id() + " time=" + r.timeMs()
        + " causes=" + r.causes() + " delete=" + r.delete() + " value=" + new String(r.value(), StandardCharsets.UTF_8);
  }

  private static String describe(Event e) {
    String value = new String(e.value(), StandardCharsets.UTF_8);
    return "{key=" + e.key() + " id=" + e.id() + (e.timeMs() == null ? "" : " time=" + e.timeMs())
        + (e.causes().isEmpty() ? "" : " causes=" + e.causes()) + (e.delete() ? " delete" : "")
        + " value=" + (value.length() > 20 ? value.length() + " bytes" : value) + "}";
  }

  private static String segments(Path streamDir) throws IOException {
    try (Stream<Path> files = Files.list(streamDir)) {
      long n = files.filter(f -> f.toString().endsWith(LogFormat.SEGMENT_SUFFIX)).count();
      return n == 1 ? "1" : n <= 5 ? "2-5" : "more";
    }
  }

}
