package dev.sluice.engine;

import java.util.Map;

/**
 * Where the views' declarations are shared between instances running on one log. On the embedded
 * log there is one instance, whose {@code views.json} is the whole catalog ({@link #LOCAL}); on
 * Kafka every instance of a cluster sees the same declarations through the catalog topic. Which
 * version an instance serves while the next one builds stays its own affair, kept in its
 * {@code views.json}.
 */
public interface Declarations {
  /** What one instance hears about a view: its latest declaration, or null when it was dropped. */
  interface Listener {
    /** {@code sequence} orders the declarations of one name; a lower one than already seen is stale. */
    void declared(String name, ViewDefinition definition, long sequence);
  }

  /** Declarations of one instance alone: nothing is shared. */
  Declarations LOCAL = new Declarations() {
    @Override
    public boolean shared() {
      return false;
    }

    @Override
    public long declare(ViewDefinition definition) {
      return 0;
    }

    @Override
    public long retract(String name) {
      return 0;
    }

    @Override
    public Map<String, Declared> follow(Listener listener) {
      return Map.of();
    }
  };

  /** A declaration as shared: the definition and its sequence. */
  record Declared(ViewDefinition definition, long sequence) {}

  /** False for {@link #LOCAL}: then {@link #follow} knows nothing and {@code views.json} decides. */
  boolean shared();

  /** Publishes {@code definition} as its name's latest, durably, before it takes effect here; its sequence. */
  long declare(ViewDefinition definition);

  /** Publishes that the view {@code name} is dropped; its sequence. */
  long retract(String name);

  /**
   * Every view declared now, and from then on each change (made by any instance, this one too) to
   * {@code listener}, on a thread of its own.
   */
  Map<String, Declared> follow(Listener listener);
}
