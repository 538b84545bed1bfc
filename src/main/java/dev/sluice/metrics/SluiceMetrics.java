package dev.sluice.metrics;

import dev.sluice.engine.Engine;
import dev.sluice.engine.ViewState;
import dev.sluice.engine.ViewStatus;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.StreamStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * One process's meters, scraped as Prometheus text. Streams and views come and go while Sluice
 * runs, so their gauges are kept in step with the log and the engine at each {@link #scrape()}:
 * a new stream or view gets its meters, a dropped one loses them.
 */
public final class SluiceMetrics implements AutoCloseable {
  /** The content type of {@link #scrape()}: Prometheus's text exposition format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Map<String, List<Meter>> streamMeters = new HashMap<>();
  private final Map<String, List<Meter>> viewMeters = new HashMap<>();
  private volatile Map<String, StreamStats> streams = Map.of();
  private volatile Map<String, ViewStatus> views = Map.of();
  private EventLog log;
  private Engine engine;

  private SluiceMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  /** A registry with the JVM's meters; give {@link #registry()} to the log before it opens. */
  public static SluiceMetrics create() {
    return new SluiceMetrics();
  }

  /** Where the parts of Sluice register their meters. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The log and engine (null: none) whose streams and views each scrape reports. */
  public synchronized SluiceMetrics watch(EventLog log, Engine engine) {
    this.log = log;
    this.engine = engine;
    return this;
  }

  /** Every meter in Prometheus's text format, streams and views brought up to date first. */
  public synchronized String scrape() {
    if (log != null) {
      refreshStreams();
    }
    if (engine != null) {
      refreshViews();
    }
    return registry.scrape();
  }

  private void refreshStreams() {
    Map<String, StreamStats> now = new HashMap<>();
    for (StreamSpec spec : log.streams()) {
      try {
        now.put(spec.name(), log.stats(spec.name()));
      } catch (LogException dropped) {
        // dropped between the listing and its stats: it loses its meters below
      }
    }
    streams = now;
    keepInStep(streamMeters, now.keySet(), name -> {
      Tags tags = Tags.of("stream", name);
      return List.of(
          Gauge.builder("sluice.stream.events", this, m -> stream(name, StreamStats::events))
              .description("Events the stream holds").tags(tags).register(registry),
          Gauge.builder("sluice.stream.size", this, m -> stream(name, StreamStats::sizeBytes))
              .description("Bytes the stream's log takes").baseUnit("bytes").tags(tags).register(registry),
          Gauge.builder("sluice.stream.partitions", this, m -> stream(name, s -> s.spec().partitions()))
              .description("Partitions of the stream").tags(tags).register(registry));
    });
  }

  private void refreshViews() {
    Map<String, ViewStatus> now = new HashMap<>();
    Map<String, String> kinds = new HashMap<>();
    for (ViewStatus status : engine.views()) {
      now.put(status.name(), status);
      kinds.put(status.kind() + "\t" + status.name(), status.name());
    }
    views = now;
    // Keyed by kind and name: a view dropped and created again as another kind gets new tags.
    keepInStep(viewMeters, kinds.keySet(), key -> {
      String name = kinds.get(key);
      Tags tags = Tags.of("view", name, "kind", now.get(name).kind());
      return List.of(
          Gauge.builder("sluice.view.rows", this, m -> view(name, ViewStatus::rows))
              .description("Rows (or documents) the view holds").tags(tags).register(registry),
          Gauge.builder("sluice.view.lag.events", this, m -> view(name, ViewStatus::lagEvents))
              .description("Events in the view's inputs it has not processed yet").tags(tags).register(registry),
          TimeGauge.builder("sluice.view.lag", this, TimeUnit.MILLISECONDS, m -> view(name, ViewStatus::lagMs))
              .description("Age of the oldest input event the view has not processed").tags(tags).register(registry),
          Gauge.builder("sluice.view.live", this, m -> view(name, s -> s.state() == ViewState.LIVE ? 1 : 0))
              .description("1 while the view is live (caught up and following), else 0").tags(tags).register(registry),
          Gauge.builder("sluice.view.build.progress", this, m -> view(name, ViewStatus::progress))
              .description("While the view builds: events read over events in the log when the build began")
              .tags(tags).register(registry),
          FunctionCounter.builder("sluice.view.events.processed", this, m -> view(name, ViewStatus::eventsProcessed))
              .description("Input events the serving version of the view has processed").tags(tags).register(registry),
          FunctionCounter.builder("sluice.view.dead.letters", this, m -> view(name, ViewStatus::deadLetters))
              .description("Input events the view could not process (GET /views/{view}/dead_letters)")
              .tags(tags).register(registry),
          FunctionCounter.builder("sluice.view.late.events", this, m -> view(name, ViewStatus::lateEvents))
              .description("Events a window of the view did not take, having closed").tags(tags).register(registry));
    });
  }

  private double stream(String name, ToDoubleFunction<StreamStats> value) {
    StreamStats s = streams.get(name);
    return s == null ? Double.NaN : value.applyAsDouble(s);
  }

  private double view(String name, ToDoubleFunction<ViewStatus> value) {
    ViewStatus s = views.get(name);
    return s == null ? Double.NaN : value.applyAsDouble(s);
  }

  /** Registers meters for names new in {@code present} and removes those of names gone from it. */
  private void keepInStep(Map<String, List<Meter>> meters, java.util.Set<String> present,
      java.util.function.Function<String, List<Meter>> register) {
    for (String gone : new ArrayList<>(meters.keySet())) {
      if (!present.contains(gone)) {
        meters.remove(gone).forEach(registry::remove);
      }
    }
    for (String name : present) {
      meters.computeIfAbsent(name, register);
    }
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
