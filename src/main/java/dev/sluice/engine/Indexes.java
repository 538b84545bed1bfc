package dev.sluice.engine;

import dev.sluice.language.Hints;
import dev.sluice.language.Parser;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.Name;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Statement;
import dev.sluice.log.ErrorCode;
import dev.sluice.log.LogException;
import dev.sluice.log.StreamSpec;
import dev.sluice.log.Token;
import dev.sluice.operators.Planner;
import dev.sluice.stores.search.SearchIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code CREATE [SEARCH] INDEX} and the reads of indexes. An index is a view version whose rows are
 * the source pipeline's rows and whose {@link RowSink} stores them as index entries ({@link
 * IndexRows}) or Lucene documents ({@link SearchDocuments}); building, following the log, progress,
 * tokens and {@code OR REPLACE} are the views'.
 *
 * <p>{@code ON name} where {@code name} is a view indexes that view's pipeline: the index derives
 * the same rows from the log itself.
 */
public final class Indexes {
  private final Engine engine;

  Indexes(Engine engine) {
    this.engine = engine;
  }

  /** The sink for a definition: view rows, index entries or search documents. */
  static RowSink sink(ViewDefinition d, Path dataDir) {
    if (d.index() == null) {
      return RowSink.VIEW_ROWS;
    }
    return switch (d.index().kind()) {
      case INDEX -> new IndexRows(d.index());
      case SEARCH -> new SearchDocuments(d.index(), searchDir(dataDir, d.spaceName()));
    };
  }

  /** A search index version's Lucene folder under the engine's folder. */
  static Path searchDir(Path dataDir, String spaceName) {
    return dataDir.resolve("search").resolve(spaceName.replace(':', '-'));
  }

  /** Deletes the Lucene directories of versions no longer declared (dropped just before a crash). */
  static void dropOrphans(Path dataDir, Set<String> liveSpaces) {
    Path root = dataDir.resolve("search");
    if (!Files.isDirectory(root)) {
      return;
    }
    Set<Path> live = new java.util.HashSet<>();
    liveSpaces.forEach(s -> live.add(searchDir(dataDir, s)));
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.toList()) {
        if (!live.contains(d)) {
          SearchIndex.destroy(d);
        }
      }
    } catch (IOException e) {
      throw new LogException(ErrorCode.LOG_FAILED, "cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  /** A name keeps its kind: replacing a view by an index (or back) would surprise its readers. */
  static void checkSameKind(String name, ViewDefinition existing, IndexSpec wanted) {
    if (existing == null || existing.derivedStream()) {
      return;
    }
    String had = existing.kind();
    String want = wanted == null ? "view" : wanted.kind().wireName();
    if (!had.equals(want)) {
      throw new LogException(ErrorCode.STREAM_EXISTS,
          "'" + name + "' is a " + had + "; drop it first to create a " + want + " of that name");
    }
  }

  /** A CREATE INDEX or CREATE SEARCH INDEX statement, as the engine runs it. */
  public record Declaration(Name name, boolean orReplace, boolean ifNotExists, Pipeline source, IndexSpec spec,
      List<Expr.Field> fields) {
    public static Optional<Declaration> of(Statement statement) {
      return switch (statement) {
        case Statement.CreateIndex i -> Optional.of(new Declaration(i.name(), i.orReplace(), i.ifNotExists(), i.source(),
            new IndexSpec(IndexSpec.Kind.INDEX, paths(i.fields()), List.of(), i.toSql()), i.fields()));
        case Statement.CreateSearchIndex s -> {
          List<Expr.Field> all = new ArrayList<>(s.fields());
          all.addAll(s.facets());
          yield Optional.of(new Declaration(s.name(), s.orReplace(), s.ifNotExists(), s.source(),
              new IndexSpec(IndexSpec.Kind.SEARCH, paths(s.fields()), paths(s.facets()), s.toSql()), all));
        }
        default -> Optional.empty();
      };
    }

    private static List<String> paths(List<Expr.Field> fields) {
      return fields.stream().map(f -> String.join(".", f.path())).toList();
    }
  }

  /**
   * Checks a declaration as {@link #create} would, without creating anything: the source exists
   * (a stream or table, possibly declared earlier in the same script, or a view), the pipeline
   * plans, and every indexed field exists where the source's fields are known.
   *
   * @return the pipeline the index runs (a view's pipeline when the source is a view)
   */
  public Pipeline check(Declaration d, String sourceText, List<StreamSpec> pending) {
    return check(d, sourceText, pending, java.util.Map.of());
  }

  /** As {@link #check(Declaration, String, List)}, with views declared earlier in the same script. */
  public Pipeline check(Declaration d, String sourceText, List<StreamSpec> pending, java.util.Map<String, Pipeline> pendingViews) {
    Pipeline pipeline = resolve(d.source(), pending, pendingViews);
    // The fields are checked by planning the pipeline with each field read by an EXTEND: the
    // planner refuses an unknown field, with a did-you-mean, where the schema is known.
    List<PipeOp> ops = new ArrayList<>(pipeline.ops());
    List<PipeOp.Projection> reads = new ArrayList<>();
    for (int i = 0; i < d.fields().size(); i++) {
      Expr.Field f = d.fields().get(i);
      reads.add(new PipeOp.Projection(f, Optional.of(new Name("__indexed_" + i, f.pos()))));
    }
    ops.add(new PipeOp.Extend(reads, d.fields().get(0).pos()));
    Planner.plan(new Pipeline(pipeline.source(), ops, pipeline.pos()), engine.catalog(pending), sourceText);
    return pipeline;
  }

  /** Declares the index and starts building it (or, with OR REPLACE, its next version beside it). */
  public ViewStatus create(Declaration d, String sourceText) {
    Pipeline pipeline = check(d, sourceText, List.of());
    return engine.create(d.name().value(), pipeline.toSql(), d.spec(), d.orReplace(), d.ifNotExists());
  }

  /** {@code ON name} as a pipeline: a view's own pipeline when {@code name} is a view. */
  private Pipeline resolve(Pipeline source, List<StreamSpec> pending, java.util.Map<String, Pipeline> pendingViews) {
    String name = source.source().value();
    boolean isSource = engine.catalog(pending).source(name).isPresent();
    if (isSource) {
      return source;
    }
    Optional<ViewStatus> view = engine.view(name);
    if (pendingViews.containsKey(name) || view.isPresent() && "view".equals(view.get().kind())) {
      Pipeline viewPipeline = pendingViews.containsKey(name)
          ? pendingViews.get(name)
          : ((Statement.Query) Parser.parseStatement(view.get().definition())).pipeline();
      if (!source.ops().isEmpty()) {
        throw new LogException(ErrorCode.INVALID_ARGUMENT, "an index over the view '" + name
            + "' takes it whole: write ON " + name + " (…), or put the view's pipeline in the parentheses");
      }
      return viewPipeline;
    }
    List<String> known = new ArrayList<>(engine.catalog(pending).names());
    engine.views().stream().filter(v -> "view".equals(v.kind())).forEach(v -> known.add(v.name()));
    String hint = Hints.didYouMean(name, known).map(h -> "; did you mean " + h + "?")
        .orElse(known.isEmpty() ? "; create it first with CREATE STREAM, CREATE TABLE or CREATE VIEW" : "");
    throw new LogException(ErrorCode.NOT_FOUND, "unknown stream, table or view '" + name + "' at line "
        + source.source().pos().line() + ", column " + source.source().pos().column() + hint);
  }

  /** Whether {@code name} is a secondary index (its rows are looked up by indexed value). */
  public boolean isIndex(String name) {
    try {
      IndexSpec index = engine.ready(name, null, Duration.ZERO).definition.index();
      return index != null && index.kind() == IndexSpec.Kind.INDEX;
    } catch (LogException unknown) {
      return false; // the read that follows names what is unknown
    }
  }

  /** Whether {@code name} is a search index. */
  public boolean isSearchIndex(String name) {
    try {
      IndexSpec index = engine.ready(name, null, Duration.ZERO).definition.index();
      return index != null && index.kind() == IndexSpec.Kind.SEARCH;
    } catch (LogException unknown) {
      return false; // the search that follows names what is unknown
    }
  }

  /** A page of an index lookup: rows as JSON, and the cursor of the next page (null: none). */
  public record Page(List<byte[]> rows, String nextCursor) {}

  /**
   * The rows of index {@code name} whose indexed values start with {@code values}.
   *
   * @param cursor from the previous page, or null
   */
  public Page lookup(String name, List<Object> values, String cursor, int limit, Token after, Duration timeout) {
    ViewTask task = engine.ready(name, after, timeout);
    if (!(task.sink instanceof IndexRows rows)) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "'" + name + "' is a " + task.definition.kind() + ", not an index");
    }
    try {
      IndexRows.Page page = rows.lookup(task.space, values, cursor, limit);
      return new Page(page.rows(), page.nextCursor());
    } catch (IllegalArgumentException e) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
  }

  /** The fields an index looks up by, in order. */
  public List<String> fields(String name) {
    return engine.ready(name, null, Duration.ZERO).definition.index().fields();
  }

  /** Runs a search on search index {@code name} once it includes {@code after}. */
  public SearchIndex.Result search(String name, String query, int limit, int offset, List<String> facets, Token after,
      Duration timeout) {
    try {
      return searchOnce(name, query, limit, offset, facets, after, timeout);
    } catch (SearchIndex.ClosedException replaced) {
      // CREATE OR REPLACE swapped versions (or DROP removed it) as the search began: ask the new one.
      return searchOnce(name, query, limit, offset, facets, after, timeout);
    }
  }

  private SearchIndex.Result searchOnce(String name, String query, int limit, int offset, List<String> facets, Token after,
      Duration timeout) {
    ViewTask task = engine.ready(name, after, timeout);
    if (!(task.sink instanceof SearchDocuments documents)) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, "'" + name + "' is a " + task.definition.kind() + ", not a search index");
    }
    SearchIndex index = documents.index();
    if (index == null) {
      throw new SearchIndex.ClosedException();
    }
    if (after != null) {
      // The task has applied the token's events; the indexer may still hold some, then they are
      // made visible now rather than at the next periodic refresh.
      try {
        documents.awaitApplied(System.nanoTime() + timeout.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LogException(ErrorCode.TIMEOUT, "interrupted while waiting for search index '" + name + "'");
      }
      index.refresh();
    }
    try {
      return index.search(query, limit, offset, facets);
    } catch (SearchIndex.QueryException e) {
      throw new LogException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
  }
}
