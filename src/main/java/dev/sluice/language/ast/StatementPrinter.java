package dev.sluice.language.ast;

import java.util.List;
import java.util.function.Function;

/**
 * Prints statements and pipelines in a canonical layout: upper-case keywords, one pipe operator per
 * line, optional clauses in a fixed order. Parsing the output gives back the same tree.
 */
final class StatementPrinter {
  private StatementPrinter() {}

  static String statement(Statement statement) {
    return switch (statement) {
      case Statement.CreateStream stream -> {
        var out = new StringBuilder("CREATE STREAM ");
        out.append(ifNotExists(stream.ifNotExists())).append(stream.name().toSql());
        stream.key().ifPresent(key -> out.append(" KEY ").append(key.toSql()));
        stream.partitions().ifPresent(count -> out.append(" PARTITIONS ").append(count));
        out.append(options(stream.options()));
        stream.query().ifPresent(query -> out.append(" AS\n").append(pipeline(query)));
        yield out.toString();
      }
      case Statement.CreateTable table -> {
        var out = new StringBuilder("CREATE TABLE ");
        out.append(ifNotExists(table.ifNotExists())).append(table.name().toSql());
        table.key().ifPresent(key -> out.append(" KEY ").append(key.toSql()));
        table.partitions().ifPresent(count -> out.append(" PARTITIONS ").append(count));
        yield out.append(options(table.options())).toString();
      }
      case Statement.CreateView view ->
          create(view.orReplace(), "VIEW", view.ifNotExists())
              + view.name().toSql()
              + options(view.options())
              + " AS\n"
              + pipeline(view.query());
      case Statement.CreateIndex index ->
          create(index.orReplace(), "INDEX", index.ifNotExists())
              + index.name().toSql()
              + " ON "
              + source(index.source())
              + " "
              + fields(index.fields());
      case Statement.CreateSearchIndex search ->
          create(search.orReplace(), "SEARCH INDEX", search.ifNotExists())
              + search.name().toSql()
              + " ON "
              + source(search.source())
              + " "
              + fields(search.fields())
              + (search.facets().isEmpty() ? "" : " FACETS " + fields(search.facets()));
      case Statement.CreateConstraint constraint ->
          "CREATE CONSTRAINT "
              + ifNotExists(constraint.ifNotExists())
              + constraint.name().toSql()
              + " UNIQUE "
              + constraint.stream().toSql()
              + " "
              + fields(constraint.fields());
      case Statement.Drop drop ->
          "DROP "
              + drop.kind().singular()
              + (drop.ifExists() ? " IF EXISTS " : " ")
              + drop.name().toSql();
      case Statement.Show show -> "SHOW " + show.kind().plural();
      case Statement.Describe describe -> "DESCRIBE " + describe.name().toSql();
      case Statement.Query query -> pipeline(query.pipeline());
    };
  }

  static String pipeline(Pipeline pipeline) {
    var out = new StringBuilder("FROM ").append(pipeline.source().toSql());
    for (var op : pipeline.ops()) {
      out.append("\n|> ").append(op(op));
    }
    return out.toString();
  }

  private static String op(PipeOp op) {
    return switch (op) {
      case PipeOp.Where where -> "WHERE " + where.condition().toSql();
      case PipeOp.Select select -> "SELECT " + join(select.items(), StatementPrinter::selectItem);
      case PipeOp.Extend extend -> "EXTEND " + join(extend.items(), StatementPrinter::projection);
      case PipeOp.Aggregate aggregate -> {
        var out = new StringBuilder("AGGREGATE");
        if (!aggregate.aggregates().isEmpty()) {
          out.append(' ').append(join(aggregate.aggregates(), StatementPrinter::projection));
        }
        if (!aggregate.groupBy().isEmpty()) {
          out.append(" GROUP BY ").append(join(aggregate.groupBy(), StatementPrinter::projection));
        }
        yield out.toString();
      }
      case PipeOp.Join join ->
          (join.kind() == PipeOp.JoinKind.LEFT ? "LEFT JOIN " : "JOIN ")
              + join.table().toSql()
              + switch (join.condition()) {
                case PipeOp.Using using -> " USING " + fields(using.fields());
                case PipeOp.On on -> " ON " + on.condition().toSql();
              };
      case PipeOp.UnionAll union -> "UNION ALL (" + pipeline(union.other()) + ")";
      case PipeOp.TumblingWindow tumble ->
          "WINDOW TUMBLE("
              + tumble.time().toSql()
              + ", "
              + tumble.size().toSql()
              + ")"
              + lateness(tumble.lateness());
      case PipeOp.HoppingWindow hop ->
          "WINDOW HOP("
              + hop.time().toSql()
              + ", "
              + hop.size().toSql()
              + ", "
              + hop.advance().toSql()
              + ")"
              + lateness(hop.lateness());
      case PipeOp.OrderBy orderBy ->
          "ORDER BY "
              + join(
                  orderBy.keys(),
                  key ->
                      key.expr().toSql() + (key.order() == PipeOp.SortOrder.DESC ? " DESC" : ""));
      case PipeOp.Limit limit -> "LIMIT " + limit.count();
    };
  }

  private static String selectItem(PipeOp.SelectItem item) {
    return switch (item) {
      case PipeOp.Star star -> "*";
      case PipeOp.Projection projection -> projection(projection);
    };
  }

  private static String projection(PipeOp.Projection projection) {
    return projection.expr().toSql()
        + projection.alias().map(alias -> " AS " + alias.toSql()).orElse("");
  }

  private static String create(boolean orReplace, String kind, boolean ifNotExists) {
    return (orReplace ? "CREATE OR REPLACE " : "CREATE ") + kind + " " + ifNotExists(ifNotExists);
  }

  private static String ifNotExists(boolean ifNotExists) {
    return ifNotExists ? "IF NOT EXISTS " : "";
  }

  /** A source without operators is written as its bare name, the way users write it. */
  private static String source(Pipeline source) {
    return source.ops().isEmpty() ? source.source().toSql() : "(" + pipeline(source) + ")";
  }

  private static String options(List<Statement.Option> options) {
    if (options.isEmpty()) {
      return "";
    }
    return " WITH ("
        + join(options, option -> option.name().toSql() + " = " + option.value().toSql())
        + ")";
  }

  private static String lateness(java.util.Optional<Expr.IntervalLiteral> lateness) {
    return lateness.map(l -> " LATENESS " + l.toSql()).orElse("");
  }

  private static String fields(List<Expr.Field> fields) {
    return "(" + join(fields, Expr.Field::toSql) + ")";
  }

  private static <T> String join(List<T> items, Function<T, String> print) {
    var out = new StringBuilder();
    for (var item : items) {
      if (!out.isEmpty()) {
        out.append(", ");
      }
      out.append(print.apply(item));
    }
    return out.toString();
  }
}
