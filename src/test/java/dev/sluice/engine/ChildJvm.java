package dev.sluice.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A child JVM on this test run's class path, for tests that kill one with SIGKILL mid-work. */
final class ChildJvm {
  private ChildJvm() {}

  /**
   * Starts {@code main} with {@code args}; its standard error goes to {@code stderr}. Kill it with
   * {@code process.toHandle().destroyForcibly()} (SIGKILL): {@code Process.destroyForcibly} would
   * also close the pipe and lose what the child printed just before it died.
   */
  static Process start(Path stderr, Class<?> main, String... args) throws IOException {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        // RocksDB is native code.
        "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
  }
}
