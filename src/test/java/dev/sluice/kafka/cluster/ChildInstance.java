package dev.sluice.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.Main;
import dev.sluice.kafka.TestKafka;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An instance of a cluster in a child JVM, started as a user starts one
 * ({@code sluice serve --backend kafka}), so that a test can kill it with SIGKILL. Its stderr goes
 * to {@code <folder>.err}; closing it kills it.
 */
record ChildInstance(Process process, String url) implements AutoCloseable {
  private static final Pattern SERVING = Pattern.compile("serving http://localhost:(\\d+)");

  /** Starts an instance of {@code cluster} with its data in {@code folder}, once it serves. */
  static ChildInstance start(String cluster, Path folder, Duration sessionTimeout) throws Exception {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path err = folder.resolveSibling(folder.getFileName() + ".err");
    Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "serve", "--backend", "kafka", "--kafka", TestKafka.bootstrapServers(), "--cluster", cluster,
        "--data", folder.toString(), "--port", "0", "--session-timeout", String.valueOf(sessionTimeout.toSeconds()))
        .redirectError(err.toFile()).start();
    ChildInstance child = new ChildInstance(p, null);
    try {
      String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
      assertThat(line).as("the child's first line; its errors: %s", Files.readString(err)).isNotNull();
      Matcher m = SERVING.matcher(line);
      assertThat(m.find()).as(line).isTrue();
      return new ChildInstance(p, "http://127.0.0.1:" + m.group(1));
    } catch (Throwable t) {
      child.close();
      throw t;
    }
  }

  /** Kills the child with SIGKILL. */
  void kill() {
    process.toHandle().destroyForcibly();
  }

  @Override
  public void close() {
    kill();
  }
}
