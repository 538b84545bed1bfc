package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.log.EventLog;
import dev.sluice.stores.KeyValueStore;
import dev.sluice.stores.Space;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How much of the log one view version's durable state includes: the input positions stored in its
 * space, read straight from the view store before any engine opens it (so no view thread has moved
 * them yet). After a kill this is what survived.
 *
 * @param events the events of its sources below the stored positions
 * @param end the events of its sources in the log
 */
record Committed(String view, long version, long events, long end) {
  private static final ObjectMapper JSON = new ObjectMapper();

  long behind() {
    return end - events;
  }

  /** Every version declared in {@code viewsDir/views.json}, serving and replacing; none when absent. */
  static List<Committed> read(EventLog log, Path viewsDir) throws IOException {
    Path catalog = viewsDir.resolve("views.json");
    if (!Files.exists(catalog)) {
      return List.of();
    }
    List<ViewDefinition> declared = new ArrayList<>();
    JsonNode saved = JSON.readTree(catalog.toFile());
    for (String list : List.of("serving", "replacing")) {
      for (JsonNode d : saved.path(list)) {
        declared.add(JSON.treeToValue(d, ViewDefinition.class));
      }
    }
    List<Committed> committed = new ArrayList<>();
    try (KeyValueStore store = KeyValueStore.open(viewsDir.resolve("state"))) {
      for (ViewDefinition d : declared) {
        assertThat(store.spaceNames()).as("the state of declared view %s", d).contains(d.spaceName());
        Space state = store.space(d.spaceName());
        long events = 0;
        long end = 0;
        for (String source : Recomputation.sources(d.pipelineText(), log)) {
          for (int p = 0; p < log.stream(source).orElseThrow().partitions(); p++) {
            byte[] next = state.get(Keys.position(source, p));
            events += next == null ? 0 : Keys.longOf(next);
            end += log.endOffset(source, p);
          }
        }
        committed.add(new Committed(d.name(), d.version(), events, end));
      }
    }
    return committed;
  }

  static Committed of(List<Committed> all, String view, long version) {
    return all.stream().filter(c -> c.view().equals(view) && c.version() == version).findFirst()
        .orElseThrow(() -> new AssertionError("no version " + version + " of view " + view + " in " + all));
  }
}
