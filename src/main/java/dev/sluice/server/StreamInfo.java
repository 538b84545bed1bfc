package dev.sluice.server;

import dev.sluice.log.EventLog;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.StreamStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One stream as {@code GET /streams} and {@code SHOW STREAMS} describe it. */
record StreamInfo(String name, String kind, String key, int partitions, long[] endOffsets, long events, long bytes) {

  static List<StreamInfo> all(EventLog log) {
    List<StreamInfo> infos = new ArrayList<>();
    for (StreamSpec spec : log.streams()) {
      StreamStats stats = log.stats(spec.name());
      infos.add(new StreamInfo(spec.name(), spec.kind().name().toLowerCase(Locale.ROOT), spec.keyField(),
          spec.partitions(), stats.endOffsets(), stats.events(), stats.sizeBytes()));
    }
    return infos;
  }
}
