package dev.sluice.kafka.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.RetriableException;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) in a child JVM,
 * for tests and benchmarks. The broker is throwaway: each start formats a fresh log folder under
 * {@code workDir}. See docs/kafka-broker.md.
 *
 * <pre>{@code
 * try (KafkaBroker kafka = KafkaBroker.start(dir)) {
 *   producerConfig.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 */
public final class KafkaBroker implements AutoCloseable {
  private static final String HOST = "127.0.0.1";
  // Kafka's own start script gives the broker these; the heap is its default of 1 GiB.
  private static final List<String> BROKER_JVM = List.of("-Xms256m", "-Xmx1g", "-XX:+UseG1GC",
      "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
      "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true");
  private static final List<String> FORMAT_JVM = List.of("-Xmx256m", "-Djava.awt.headless=true");
  private static final long FORMAT_LIMIT_S = 60;
  // A cold broker JVM on 2 busy cores takes about 10 s; 90 s means something is wrong.
  private static final long READY_LIMIT_S = 90;
  // Controlled shutdown of one node takes a few seconds; past this the process is killed.
  private static final long STOP_LIMIT_S = 30;
  private static final int LOG_TAIL_LINES = 40;
  private static final long TOPIC_LIMIT_S = 60;

  private final Process process;
  private final String bootstrapServers;
  private final Path logFile;
  private final Path workDirToDelete;
  private final Thread exitHook;

  private KafkaBroker(Process process, String bootstrapServers, Path logFile,
      Path workDirToDelete) {
    this.process = process;
    this.bootstrapServers = bootstrapServers;
    this.logFile = logFile;
    this.workDirToDelete = workDirToDelete;
    // Stops the broker when the JVM that started it exits without closing it (Ctrl-C, a test run
    // aborted). Only SIGKILL of this JVM leaves the broker behind; its pid is in broker.pid.
    this.exitHook = new Thread(this::shutDownAtExit, "kafka-broker-stop");
    Runtime.getRuntime().addShutdownHook(exitHook);
  }

  /**
   * Starts a broker whose files all live in {@code workDir}, which must be empty or absent, and
   * returns once it answers an admin client. Fetches the broker's jars first if this checkout has
   * none (needs mvn on PATH, once).
   */
  public static KafkaBroker start(Path workDir) throws IOException, InterruptedException {
    return start(workDir, null);
  }

  /**
   * Starts a broker in a fresh temporary folder that {@link #close()} deletes, for benchmarks that
   * write gigabytes nobody needs afterwards.
   */
  public static KafkaBroker startTemporary() throws IOException, InterruptedException {
    Path workDir = Files.createTempDirectory("sluice-kafka-");
    try {
      return start(workDir, workDir);
    } catch (IOException | InterruptedException | RuntimeException e) {
      BrokerJars.deleteRecursively(workDir);
      throw e;
    }
  }

  private static KafkaBroker start(Path workDir, Path workDirToDelete)
      throws IOException, InterruptedException {
    requireEmpty(workDir);
    Files.createDirectories(workDir);
    Path lib = BrokerJars.ensure();
    int[] ports = freePorts(2);
    String bootstrap = HOST + ":" + ports[0];
    Path config = workDir.resolve("server.properties");
    Files.write(config, serverProperties(workDir.resolve("data"), ports[0], ports[1]));
    format(lib, config, workDir.resolve("format.log"));

    Path log = workDir.resolve("broker.log");
    Process process = java(lib, BROKER_JVM, "kafka.Kafka", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    Files.writeString(workDir.resolve("broker.pid"), process.pid() + "\n");
    KafkaBroker broker = new KafkaBroker(process, bootstrap, log, workDirToDelete);
    try {
      broker.awaitReady();
      return broker;
    } catch (IOException | InterruptedException | RuntimeException e) {
      broker.close();
      throw e;
    }
  }

  /** The {@code bootstrap.servers} value for clients: {@code 127.0.0.1:PORT}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * Creates a topic on any cluster and returns once each of its partitions is served by its leader.
   * Producing sooner is unsafe: an idempotent producer whose first request to a partition is
   * refused (NOT_LEADER_OR_FOLLOWER) while its second is accepted retries the first until
   * delivery.timeout.ms and then drops it (KAFKA-15591; 4.3.1 has it).
   */
  public static void createTopic(Admin admin, NewTopic topic)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TOPIC_LIMIT_S);
    admin.createTopics(List.of(topic)).all().get(TOPIC_LIMIT_S, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
    for (int p = 0; p < topic.numPartitions(); p++) {
      partitions.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
    }
    while (true) {
      try {
        // The metadata first: asked about a topic it does not know yet, listOffsets logs an error.
        boolean led = admin.describeTopics(List.of(topic.name())).allTopicNames()
            .get(TOPIC_LIMIT_S, TimeUnit.SECONDS).get(topic.name()).partitions().stream()
            .allMatch(partition -> partition.leader() != null);
        if (led) {
          // Answered by a partition's leader only once it has applied the topic's creation.
          admin.listOffsets(partitions).all().get(TOPIC_LIMIT_S, TimeUnit.SECONDS);
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.sleep(50);
    }
  }

  /** CPU time the broker's process has used so far (zero where the platform does not say). */
  public java.time.Duration cpu() {
    return process.toHandle().info().totalCpuDuration().orElse(java.time.Duration.ZERO);
  }

  /** The broker's stdout and stderr. */
  public Path logFile() {
    return logFile;
  }

  /**
   * Stops the broker: a controlled shutdown, then a kill if it takes over 30 s. A broker from
   * {@link #startTemporary()} then deletes its folder.
   */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(exitHook);
    } catch (IllegalStateException jvmAlreadyExiting) {
      // The hook is running or about to run; shutting down twice is harmless.
    }
    try {
      shutDown();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + workDirToDelete, e);
    }
  }

  private void shutDownAtExit() {
    try {
      shutDown();
    } catch (IOException e) {
      System.err.println("cannot delete " + workDirToDelete + ": " + e);
    }
  }

  private void shutDown() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(STOP_LIMIT_S, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    if (workDirToDelete != null) {
      BrokerJars.deleteRecursively(workDirToDelete);
    }
  }

  /**
   * The 4.x combined-mode settings with a dynamic (KIP-853) single-voter quorum, and every internal
   * topic sized for one node. Each line is explained in docs/kafka-broker.md.
   */
  static List<String> serverProperties(Path dataDir, int brokerPort, int controllerPort) {
    String broker = "PLAINTEXT://" + HOST + ":" + brokerPort;
    String controller = "CONTROLLER://" + HOST + ":" + controllerPort;
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
    p.put("listeners", broker + "," + controller);
    p.put("advertised.listeners", broker + "," + controller);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("log.dirs", dataDir.toAbsolutePath().toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
    List<String> lines = new ArrayList<>();
    lines.add("# Written by dev.sluice.kafka.broker.KafkaBroker; see docs/kafka-broker.md.");
    p.forEach((key, value) -> lines.add(key + "=" + value));
    return lines;
  }

  private static void format(Path lib, Path config, Path log)
      throws IOException, InterruptedException {
    Process format = java(lib, FORMAT_JVM, "kafka.tools.StorageTool", "format",
        "--config", config.toString(),
        "--cluster-id", Uuid.randomUuid().toString(),
        "--standalone")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    try {
      if (!format.waitFor(FORMAT_LIMIT_S, TimeUnit.SECONDS)) {
        throw new IOException("kafka-storage format took over " + FORMAT_LIMIT_S + " s:\n"
            + tail(log));
      }
      if (format.exitValue() != 0) {
        throw new IOException("kafka-storage format failed (exit " + format.exitValue() + "):\n"
            + tail(log));
      }
    } finally {
      format.destroyForcibly();
    }
  }

  /**
   * Waits for the port to accept connections before making an admin client, so that the client
   * does not log a warning per refused connection, then until the client can list topics and sees
   * this node in the cluster.
   */
  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_LIMIT_S);
    String[] hostPort = bootstrapServers.split(":");
    InetSocketAddress address = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
    Exception last = null;
    while (!accepts(address)) {
      checkProgress(deadline, null);
    }
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000))) {
      while (true) {
        try {
          admin.listTopics().names().get(2, TimeUnit.SECONDS);
          if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          last = e;
        }
        checkProgress(deadline, last);
      }
    }
  }

  private static boolean accepts(InetSocketAddress address) {
    try (Socket socket = new Socket()) {
      socket.connect(address, 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void checkProgress(long deadline, Exception last)
      throws IOException, InterruptedException {
    if (!process.isAlive()) {
      throw new IOException("the Kafka broker exited (status " + process.exitValue()
          + ") before it was ready; last lines of " + logFile + ":\n" + tail(logFile));
    }
    if (System.nanoTime() > deadline) {
      throw new IOException("the Kafka broker at " + bootstrapServers + " was not ready after "
          + READY_LIMIT_S + " s" + (last == null ? "" : " (" + last + ")")
          + "; last lines of " + logFile + ":\n" + tail(logFile));
    }
    Thread.sleep(100);
  }

  /** A child JVM on the same java binary as this process, with the broker's jars. */
  private static ProcessBuilder java(Path lib, List<String> jvmOptions, String mainClass,
      String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(lib.resolve("*").toString());
    command.add(mainClass);
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  /** Distinct ports that were free a moment ago; all are held open together so none repeats. */
  private static int[] freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getByName(HOST)));
      }
      return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  private static void requireEmpty(Path workDir) throws IOException {
    if (!Files.exists(workDir)) {
      return;
    }
    try (Stream<Path> entries = Files.list(workDir)) {
      if (entries.findAny().isPresent()) {
        throw new IllegalArgumentException("the Kafka broker's work folder " + workDir
            + " is not empty; each broker formats a fresh one");
      }
    }
  }

  /** The last lines of a log file, for error messages; never fails, so it cannot hide one. */
  static String tail(Path file) {
    try {
      String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      List<String> lines = text.lines().toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES),
          lines.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }
}
