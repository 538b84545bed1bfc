package dev.sluice.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.IntSupplier;

/** The server's own gauges: clients following a stream, and open server-sent event streams. */
final class Gauges {
  private Gauges() {}

  static void open(MeterRegistry registry, IntSupplier follows, IntSupplier eventStreams) {
    Gauge.builder("sluice.http.follows.open", follows, IntSupplier::getAsInt)
        .description("Clients tailing a stream (GET /streams/{stream}/events?follow=true)")
        .strongReference(true)
        .register(registry);
    Gauge.builder("sluice.http.event.streams.open", eventStreams, IntSupplier::getAsInt)
        .description("Open server-sent event streams: view subscriptions and live queries")
        .strongReference(true)
        .register(registry);
  }
}
