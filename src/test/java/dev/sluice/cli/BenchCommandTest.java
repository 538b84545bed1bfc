package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BenchCommandTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--pairs|0|--pairs must be between 1 and 50",
      "--pairs|51|--pairs must be between 1 and 50",
      "--rate|-5|--rate must be a number of events per second, 0 or more",
      "--rate|NaN|--rate must be a number of events per second, 0 or more"})
  void halfPeakRefusesABadSettingWithOneLineAndExitTwo(String option, String value, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Main.run(new String[] {"bench", "half-peak", option, value}, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(message);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
