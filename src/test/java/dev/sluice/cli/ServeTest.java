package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.embedded.EmbeddedLog;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice serve} as its own process, the way users and scripts run it. */
class ServeTest {
  private static final Pattern READY =
      Pattern.compile("Sluice \\S+ serving (http://localhost:\\d+) \\(data (.+), fsync always\\)");

  @Test
  @Timeout(120)
  void serveAnnouncesItsUrlServesAndStopsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Path stderr = dir.resolve("stderr.txt");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process serve = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "serve", "--data", data.toString(), "--port", "0")
        .redirectError(stderr.toFile())
        .start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
      String ready = out.readLine();
      assertThat(ready).as("first line of stdout; stderr: %s", stderr).matches(READY);
      Matcher parts = READY.matcher(ready);
      assertThat(parts.matches()).isTrue();
      assertThat(parts.group(2)).isEqualTo(data.toAbsolutePath().toString());
      String url = parts.group(1);

      assertThat(cli(url, "exec", "CREATE STREAM orders KEY order_id")).isZero();
      assertThat(cli(url, "append", "orders", "{\"order_id\":\"o1\"}")).isZero();

      serve.destroy();
      assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      serve.destroyForcibly();
    }
    assertThat(serve.exitValue()).isEqualTo(143);
    assertThat(Files.readString(stderr)).isEmpty();
    try (EmbeddedLog log = EmbeddedLog.open(data, EmbeddedLog.Options.defaults())) {
      assertThat(log.damageReports()).isEmpty();
      assertThat(log.stats("orders").events()).isEqualTo(1);
    }
  }

  private static int cli(String url, String... args) {
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--url", url))
        .toArray(String[]::new);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return Main.run(all, new ByteArrayInputStream(new byte[0]), quiet, quiet);
  }
}
