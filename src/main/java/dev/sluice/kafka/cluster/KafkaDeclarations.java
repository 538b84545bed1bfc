package dev.sluice.kafka.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.engine.Declarations;
import dev.sluice.engine.ViewDefinition;
import dev.sluice.kafka.log.CatalogTopic;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;

/**
 * The views' declarations in the catalog topic (docs/deploy-kafka.md): key {@code view:<name>},
 * value the definition as JSON, a tombstone when the view is dropped. The record's offset is the
 * declaration's sequence. Every instance of a cluster follows the topic, so all of them run the
 * same views.
 */
public final class KafkaDeclarations implements Declarations, AutoCloseable {
  static final String PREFIX = "view:";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long WRITE_LIMIT_S = 30;

  private final CatalogTopic catalog;
  /** The tail's thread must not wait for the engine: declarations are applied on this one, in order. */
  private final ExecutorService applier = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "sluice-kafka-declarations");
    t.setDaemon(true);
    return t;
  });

  public KafkaDeclarations(CatalogTopic catalog) {
    this.catalog = catalog;
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public long declare(ViewDefinition definition) {
    try {
      return write(definition.name(), JSON.writeValueAsBytes(definition));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public long retract(String name) {
    return write(name, null);
  }

  private long write(String name, byte[] value) {
    try {
      return catalog.put(PREFIX + name, value, WRITE_LIMIT_S);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogException(ErrorCode.LOG_FAILED, "interrupted while declaring view '" + name + "' in the catalog topic", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot declare view '" + name + "' in the catalog topic: " + e.getMessage(), e);
    }
  }

  @Override
  public Map<String, Declared> follow(Listener listener) {
    Map<String, Declared> now = new TreeMap<>();
    catalog.follow(PREFIX, entry -> applier.execute(() -> {
      String name = entry.key().substring(PREFIX.length());
      ViewDefinition d = entry.value() == null ? null : parse(entry);
      if (entry.value() == null || d != null) {
        listener.declared(name, d, entry.offset());
      }
    })).forEach((key, entry) -> {
      ViewDefinition d = parse(entry);
      if (d != null) {
        now.put(d.name(), new Declared(d, entry.offset()));
      }
    });
    return now;
  }

  private static ViewDefinition parse(CatalogTopic.Entry entry) {
    try {
      return JSON.readValue(entry.value(), ViewDefinition.class);
    } catch (IOException e) {
      System.err.println("sluice: skipping the unreadable catalog record '" + entry.key() + "' at offset " + entry.offset() + ": " + e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    applier.shutdownNow();
  }
}
