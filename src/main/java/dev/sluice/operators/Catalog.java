package dev.sluice.operators;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/** The sources a pipeline may read, as the planner sees them. */
public interface Catalog {
  Optional<SourceInfo> source(String name);

  /** Every source name, for "did you mean" hints. */
  Collection<String> names();

  static Catalog of(SourceInfo... sources) {
    return of(List.of(sources));
  }

  static Catalog of(Collection<SourceInfo> sources) {
    var byName = new LinkedHashMap<String, SourceInfo>();
    for (var source : sources) {
      byName.put(source.name(), source);
    }
    return new Catalog() {
      @Override
      public Optional<SourceInfo> source(String name) {
        return Optional.ofNullable(byName.get(name));
      }

      @Override
      public Collection<String> names() {
        return List.copyOf(byName.keySet());
      }
    };
  }
}
