package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** A child JVM on this test run's class path, for tests that kill one with SIGKILL mid-work. */
public final class ChildJvm {
  private ChildJvm() {}

  /**
   * Starts {@code main} with {@code args}; its standard error goes to {@code stderr}. Kill it with
   * {@code process.toHandle().destroyForcibly()} (SIGKILL): {@code Process.destroyForcibly} would
   * also close the pipe and lose what the child printed just before it died.
   */
  public static Process start(Path stderr, Class<?> main, String... args) throws IOException {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        // RocksDB is native code.
        "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
  }

  /**
   * Runs a worker that prints {@code ready} once it works and {@code ack …} for each acknowledged
   * operation, and SIGKILLs it: {@code byTime}, {@code after} ms past {@code ready}; else at its
   * {@code after}th acknowledgement (a watchdog kills it after {@code secondsMax} either way).
   * Asserts that the kill, not the worker, ended it; returns what followed each {@code ack }.
   */
  static List<String> runAndKill(ScheduledExecutorService timer, Path stderr, boolean byTime, int after, long secondsMax,
      Class<?> main, String... args) throws Exception {
    Process child = start(stderr, main, args);
    AtomicBoolean killed = new AtomicBoolean();
    Runnable kill = () -> {
      killed.set(true);
      child.toHandle().destroyForcibly();
    };
    var watchdog = timer.schedule(kill, secondsMax, TimeUnit.SECONDS);
    List<String> acks = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.equals("ready") && byTime) {
          timer.schedule(kill, after, TimeUnit.MILLISECONDS);
        }
        if (line.startsWith("ack ")) {
          acks.add(line.substring(4));
          if (!byTime && acks.size() == after && !killed.get()) {
            kill.run();
          }
        }
      }
    }
    int exit = child.waitFor();
    watchdog.cancel(false);
    assertThat(killed).as("the child %s ended by itself (exit %d): %s", stderr.getFileName(), exit, Files.readString(stderr)).isTrue();
    return acks;
  }
}
