package dev.sluice.engine;

/**
 * What {@code GET /views} shows of a view: the version serving reads and, during a
 * {@code CREATE OR REPLACE}, the one building beside it.
 *
 * @param lateEvents events a window of the view did not take, having closed (docs/semantics.md)
 * @param progress 0..1 while building: events read over events in the log when the build began
 */
public record ViewStatus(
    String name,
    long version,
    ViewState state,
    String error,
    long rows,
    long lagEvents,
    long lagMs,
    double eventsPerS,
    long eventsProcessed,
    long deadLetters,
    String lastDeadLetter,
    long lateEvents,
    double progress,
    String definition,
    ViewStatus replacing,
    boolean derivedStream,
    String kind) {}
