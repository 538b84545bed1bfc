package dev.sluice.operators;

import java.util.Set;

/**
 * A view's pipeline compiled for incremental maintenance: a pure function of (state, input) to the
 * view's changed rows. No I/O, clocks or threads: the engine decides when to call it and commits
 * the state it wrote together with the input's position.
 *
 * <p>Whatever order the engine interleaves partitions and sources in, the view it builds from the
 * returned changes is the one {@link BatchEvaluator} computes from the same inputs.
 *
 * <p>A dataflow holds no mutable fields, so threads may share one; calls on one {@link State} must
 * not overlap, since an aggregate's groups and a join's indexes span partitions.
 */
public interface Dataflow {
  /** The streams and tables the view reads; the engine feeds it inputs of these only. */
  Set<String> sources();

  /**
   * The rows the view holds before any input (the single row of {@code AGGREGATE count(*)} with no
   * GROUP BY, say). Call once, on fresh state, before the first {@link #apply}.
   */
  Applied initialize(State state);

  /** Processes one input event; its changes are in the order the engine should write them. */
  Applied apply(Input input, State state);

  /**
   * A way to apply {@code source}'s records in place, on {@code state} (which must offer {@link
   * State#heldBack}), for a pipeline that has one: a stream filtered straight into an AGGREGATE at
   * the end, read from the event's bytes. Null for every other pipeline: apply each record as an
   * {@link Input}. The two may be mixed on one state.
   */
  default InPlace inPlace(String source, State state) {
    return null;
  }

  /**
   * Reports the changes held back in {@code state}'s {@link State#heldBack} (none when it offers
   * none): call before committing the state. Each change is a held key's net change since it was
   * first touched; its dead letters are the inputs' that the held rows' evaluation refused. Leaves
   * the held keys in place, for the caller to read their last inputs and then clear.
   */
  default Applied flush(State state) {
    return new Applied(java.util.List.of(), java.util.List.of());
  }
}
