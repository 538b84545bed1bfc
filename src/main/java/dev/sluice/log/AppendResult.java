package dev.sluice.log;

import java.util.List;

/**
 * The answer to one durable, atomic append: a position per event, in request order, and a token
 * naming them all.
 */
public record AppendResult(List<Position> positions, int appended, int duplicates, Token token) {}
