package dev.sluice.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * How an instance that starts brings what it ran before ({@code views.json}) in line with the
 * declarations its cluster shares: a view dropped meanwhile goes, a view declared meanwhile comes,
 * and a view replaced meanwhile keeps serving the version it has while it builds the declared one.
 */
final class SharedViews {
  private SharedViews() {}

  static <T> T reconcile(List<ViewDefinition> serving, List<ViewDefinition> replacing,
      Map<String, Declarations.Declared> shared, Map<String, Long> declaredAt,
      BiFunction<List<ViewDefinition>, List<ViewDefinition>, T> plan) {
    List<ViewDefinition> nextServing = new ArrayList<>();
    List<ViewDefinition> nextReplacing = new ArrayList<>();
    Map<String, ViewDefinition> building = new java.util.HashMap<>();
    replacing.forEach(d -> building.put(d.name(), d));
    java.util.Set<String> known = new java.util.HashSet<>();
    for (ViewDefinition local : serving) {
      Declarations.Declared declared = shared.get(local.name());
      if (declared == null) {
        continue; // dropped by another instance while this one was away
      }
      known.add(local.name());
      nextServing.add(local);
      ViewDefinition latest = declared.definition();
      if (latest.version() != local.version()) {
        ViewDefinition b = building.get(local.name());
        nextReplacing.add(b != null && b.version() == latest.version() ? b : latest);
      }
    }
    shared.forEach((name, declared) -> {
      declaredAt.put(name, declared.sequence());
      if (!known.contains(name)) {
        nextServing.add(declared.definition());
      }
    });
    return plan.apply(nextServing, nextReplacing);
  }
}
