/**
 * The engine runs views: for each view version it reads the log from the positions its state
 * reflects, applies the compiled dataflow, and commits rows, operator state and the new positions
 * in one atomic batch — so after any crash a view resumes exactly where its state says
 * (exactly-once effect). Backfill and live following are the same loop: a new view starts at
 * offset 0 and is {@code building} until it first catches up with every partition.
 */
package dev.sluice.engine;
