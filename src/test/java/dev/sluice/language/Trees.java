package dev.sluice.language;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.language.ast.BinaryOperator;
import dev.sluice.language.ast.Expr;
import dev.sluice.language.ast.IntervalUnit;
import dev.sluice.language.ast.Name;
import dev.sluice.language.ast.PipeOp;
import dev.sluice.language.ast.Pipeline;
import dev.sluice.language.ast.Position;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** Builders for expected trees, and a comparison that ignores where nodes stand. */
final class Trees {
  /** Expected trees are compared without positions; this one only fills the slot. */
  static final Position P = new Position(1, 1);

  private Trees() {}

  /**
   * Equal trees up to positions; node types count, so NOT x and -x differ though alike in shape.
   */
  static void assertSameTree(Object actual, Object expected) {
    assertThat(withoutPositions(actual)).isEqualTo(withoutPositions(expected));
  }

  /** A copy of a tree, list or option of nodes with every position replaced by {@link #P}. */
  static Object withoutPositions(Object node) {
    return switch (node) {
      case Position position -> P;
      case List<?> list -> list.stream().map(Trees::withoutPositions).toList();
      case Optional<?> optional -> optional.map(Trees::withoutPositions);
      case Record record -> rebuilt(record);
      default -> node;
    };
  }

  private static Record rebuilt(Record record) {
    var components = record.getClass().getRecordComponents();
    var types = new Class<?>[components.length];
    var values = new Object[components.length];
    try {
      for (var i = 0; i < components.length; i++) {
        types[i] = components[i].getType();
        values[i] = withoutPositions(components[i].getAccessor().invoke(record));
      }
      return record.getClass().getDeclaredConstructor(types).newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot copy " + record.getClass(), e);
    }
  }

  static Name name(String value) {
    return new Name(value, P);
  }

  static Expr.Field field(String... path) {
    return new Expr.Field(List.of(path), P);
  }

  static Expr.IntegerLiteral integer(long value) {
    return new Expr.IntegerLiteral(value, P);
  }

  static Expr.DecimalLiteral decimal(String value) {
    return new Expr.DecimalLiteral(new BigDecimal(value), P);
  }

  static Expr.StringLiteral string(String value) {
    return new Expr.StringLiteral(value, P);
  }

  static Expr.BooleanLiteral bool(boolean value) {
    return new Expr.BooleanLiteral(value, P);
  }

  static Expr.IntervalLiteral interval(long amount, IntervalUnit unit) {
    return new Expr.IntervalLiteral(amount, unit, P);
  }

  static Expr.Binary binary(BinaryOperator op, Expr left, Expr right) {
    return new Expr.Binary(op, left, right, P);
  }

  static Expr.Not not(Expr operand) {
    return new Expr.Not(operand, P);
  }

  static Expr.Negate negate(Expr operand) {
    return new Expr.Negate(operand, P);
  }

  static Expr.Call call(String function, Expr... arguments) {
    return new Expr.Call(function, List.of(arguments), P);
  }

  static Pipeline from(String source, PipeOp... ops) {
    return new Pipeline(name(source), List.of(ops), P);
  }

  static PipeOp.Projection item(Expr expr) {
    return new PipeOp.Projection(expr, Optional.empty());
  }

  static PipeOp.Projection item(Expr expr, String alias) {
    return new PipeOp.Projection(expr, Optional.of(name(alias)));
  }

  static List<Expr.Field> fields(String... names) {
    return List.of(names).stream().map(Trees::field).toList();
  }
}
