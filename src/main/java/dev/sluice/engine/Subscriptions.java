package dev.sluice.engine;

import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;

/** Opens {@link Subscription}s on a view version's changelog. */
final class Subscriptions {
  private Subscriptions() {}

  static Subscription open(ViewTask task, Subscription.Filter filter, String from) {
    if (task.changelog == null) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "'" + task.definition.name()
          + "' is a derived stream: follow its events with GET /streams/" + task.definition.name() + "/events?follow=true");
    }
    return new Subscription(task.changelog, filter, from);
  }
}
