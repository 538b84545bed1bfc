package dev.sluice.kafka.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The in-process instances a cluster test starts, closed after each test in the reverse order of
 * their start. Register with {@code @RegisterExtension final Instances instances = new Instances();}.
 */
final class Instances implements AfterEachCallback {
  /** How soon the group notices an instance that stopped answering. */
  static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

  private final List<AutoCloseable> open = new ArrayList<>();

  /** Starts an instance of {@code cluster} with its data in {@code folder}. */
  InProcessInstance start(String cluster, Path folder) throws Exception {
    InProcessInstance instance = new InProcessInstance(cluster, folder, SESSION_TIMEOUT);
    open.add(instance);
    return instance;
  }

  /** Closes one instance now (it leaves the group), and not again after the test. */
  void close(InProcessInstance instance) throws Exception {
    open.remove(instance);
    instance.close();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    open.clear();
  }
}
