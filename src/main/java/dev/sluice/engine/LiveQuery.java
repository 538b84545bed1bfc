package dev.sluice.engine;

import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.EventLog;
import dev.sluice.log.LogException;
import dev.sluice.log.Record;
import dev.sluice.operators.Dataflow;
import dev.sluice.operators.Input;
import dev.sluice.operators.MemoryState;
import dev.sluice.operators.ViewChange;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * An ad-hoc pipeline followed live: each event appended to its source from now on is run through
 * the pipeline on its own, and the rows it yields are handed out as they arrive. Only pipelines
 * that look at one event at a time qualify (WHERE, SELECT, EXTEND); anything that keeps state
 * across events is a view's job.
 */
public final class LiveQuery {
  /** Records read per partition per call: bounds what one call holds. */
  private static final int READ_RECORDS_MAX = 500;

  private final EventLog log;
  private final String source;
  private final Dataflow dataflow;
  private final long[] next;

  private LiveQuery(EventLog log, String source, Dataflow dataflow) {
    this.log = log;
    this.source = source;
    this.dataflow = dataflow;
    int partitions = log.stream(source).orElseThrow().partitions();
    this.next = new long[partitions];
    for (int p = 0; p < partitions; p++) {
      next[p] = log.endOffset(source, p);
    }
  }

  /** Checks that {@code pipeline} is stateless, plans it, and starts following it from the log's end. */
  static LiveQuery open(EventLog log, Pipeline pipeline, Function<Pipeline, Dataflow> planner) {
    for (PipeOp op : pipeline.ops()) {
      if (!(op instanceof PipeOp.Where || op instanceof PipeOp.Select || op instanceof PipeOp.Extend)) {
        String name = op.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT);
        throw new LogException(ErrorCode.INVALID_STATEMENT, "a followed query takes only WHERE, SELECT and EXTEND, not "
            + name + " (line " + op.pos().line() + ", column " + op.pos().column()
            + "); to follow a result that keeps state, create a view and subscribe to its changes");
      }
    }
    Dataflow dataflow = planner.apply(pipeline);
    if (dataflow.sources().size() != 1) {
      throw new LogException(ErrorCode.INVALID_STATEMENT, "a followed query reads exactly one stream");
    }
    return new LiveQuery(log, dataflow.sources().iterator().next(), dataflow);
  }

  /**
   * The rows of events appended since the last call, as JSON
   * ({@code {"stream":…,"partition":P,"offset":O,"row":{…}}}), waiting up to {@code waitMs} for some.
   */
  public List<byte[]> next(long waitMs) throws InterruptedException {
    List<byte[]> out = read();
    if (!out.isEmpty()) {
      return out;
    }
    List<CompletableFuture<Void>> arrivals = new ArrayList<>();
    for (int p = 0; p < next.length; p++) {
      arrivals.add(log.awaitRecord(source, p, next[p]));
    }
    try {
      CompletableFuture.anyOf(arrivals.toArray(CompletableFuture[]::new)).get(waitMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException quiet) {
      return List.of();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } finally {
      arrivals.forEach(a -> a.cancel(false));
    }
    return read();
  }

  private List<byte[]> read() {
    List<byte[]> out = new ArrayList<>();
    for (int p = 0; p < next.length; p++) {
      List<Record> records = log.read(source, p, next[p], READ_RECORDS_MAX);
      for (Record record : records) {
        // A fresh state per event: the pipeline is stateless, and a table's update is shown as it arrives.
        for (ViewChange change : dataflow.apply(Input.of(source, record), new MemoryState()).changes()) {
          if (change.newRow() != null) {
            out.add(json(record, change));
          }
        }
      }
      if (!records.isEmpty()) {
        next[p] = records.get(records.size() - 1).offset() + 1;
      }
    }
    return out;
  }

  private byte[] json(Record record, ViewChange change) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    String quoted = "\"" + source + "\""; // stream names are plain identifiers
    out.writeBytes(("{\"stream\":" + quoted + ",\"partition\":" + record.partition()
        + ",\"offset\":" + record.offset() + ",\"row\":").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(change.newRow().toJson());
    out.write('}');
    return out.toByteArray();
  }
}
