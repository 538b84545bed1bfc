package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HalfPeakBenchTest {
  @Test
  void theLogsShareIsTheMedianOfThePairsDifferencesNotTheDifferenceOfTheMedians() {
    // Pairs (3, 1), (2, 2.5), (10, 4): differences 2, -0.5, 6.
    List<Double> sluice = List.of(3.0, 2.0, 10.0);
    List<Double> bare = List.of(1.0, 2.5, 4.0);

    assertThat(HalfPeakBench.shareMs(sluice, bare)).isCloseTo(2.0, within(1e-12));
    assertThat(Medians.of(sluice) - Medians.of(bare)).isCloseTo(0.5, within(1e-12));
    assertThat(Medians.of(List.of(4.0, 1.0, 3.0, 2.0))).isCloseTo(2.5, within(1e-12));
    assertThat(Medians.of(List.of())).isNaN();
  }

  @Test
  void aPairRunsBothSidesAtTheGivenPaceAndEndsWithItsJsonLine() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    HalfPeakBench.run(new HalfPeakBench.Settings(Duration.ZERO, Duration.ofSeconds(1), 1, 20_000), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

    assertThat(lines).filteredOn(l -> l.startsWith("sluice  p99 ")).hasSize(1);
    assertThat(lines).filteredOn(l -> l.startsWith("bare    p99 ")).hasSize(1);
    assertThat(lines).noneMatch(l -> l.contains("peak ") && l.contains("writers=")); // the pace was given: no peak run
    assertThat(lines.get(lines.size() - 1))
        .startsWith("{\"bench\":\"half-peak\",\"events_per_s\":20000,\"pairs\":1,\"sluice_p99_median_ms\":")
        .doesNotContain("NaN");
  }
}
