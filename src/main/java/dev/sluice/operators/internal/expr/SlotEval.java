package dev.sluice.operators.internal.expr;

import dev.sluice.language.ast.BinaryOperator;
import dev.sluice.operators.internal.expr.ExprCompiler.Comparison;
import dev.sluice.operators.internal.expr.ExprCompiler.Constant;
import dev.sluice.operators.internal.expr.ExprCompiler.FieldRead;
import dev.sluice.operators.internal.expr.ExprCompiler.Logical;
import java.util.function.ToIntFunction;

/**
 * An expression over the values of an event's top-level fields held in slots, without a Row: the
 * simple shapes a view's WHERE and GROUP BY mostly are (field reads, constants, comparisons, AND,
 * OR), evaluated with the same code as their {@link Eval}, so both give the same value or error.
 */
@FunctionalInterface
public interface SlotEval {
  Object eval(Object[] slots);

  /**
   * The expression {@code eval} over slots, {@code slotOf} giving a field's slot (or -1: none);
   * null when it has a shape this does not take.
   */
  static SlotEval of(Eval eval, ToIntFunction<String> slotOf) {
    return switch (eval) {
      case FieldRead f -> {
        var slot = slotOf.applyAsInt(f.name());
        yield slot < 0 ? null : slots -> slots[slot];
      }
      case Constant c -> {
        var value = c.value();
        yield slots -> value;
      }
      case Comparison c when equality(c) && c.left() instanceof FieldRead f && c.right() instanceof Constant k
          && k.value() instanceof String text -> withText(c, slotOf.applyAsInt(f.name()), text, true);
      case Comparison c when equality(c) && c.left() instanceof Constant k && c.right() instanceof FieldRead f
          && k.value() instanceof String text -> withText(c, slotOf.applyAsInt(f.name()), text, false);
      case Comparison c -> {
        var left = of(c.left(), slotOf);
        var right = of(c.right(), slotOf);
        yield left == null || right == null ? null : slots -> c.of(left.eval(slots), right.eval(slots));
      }
      case Logical l -> {
        var left = of(l.left(), slotOf);
        var right = of(l.right(), slotOf);
        yield left == null || right == null
            ? null
            : slots -> {
              var value = left.eval(slots);
              return l.decides(value) ? !l.and() : l.of(value, right.eval(slots));
            };
      }
      default -> null;
    };
  }

  /**
   * {@code field = 'text'} (or {@code <>}, either side first): a string is compared as it is,
   * anything else as the comparison does, its sides in their written order. Null for no slot.
   */
  private static SlotEval withText(Comparison c, int slot, String text, boolean fieldFirst) {
    return slot < 0 ? null : new TextComparison(c, slot, text, text.hashCode(), c.op() == BinaryOperator.EQ, fieldFirst);
  }

  /**
   * {@code field = 'text'} or {@code field <> 'text'} (either side first) over a slot, as {@link
   * #withText} compiles it; a reader of slots may test a string in the slot itself ({@link
   * #matches}), without a call through this interface per event.
   *
   * @param hash the text's hash
   * @param equal whether the comparison is {@code =}
   */
  record TextComparison(Comparison comparison, int slot, String text, int hash, boolean equal, boolean fieldFirst)
      implements SlotEval {
    @Override
    public Object eval(Object[] slots) {
      var value = slots[slot];
      return value instanceof String s ? matches(s) : fieldFirst ? comparison.of(value, text) : comparison.of(text, value);
    }

    /**
     * Whether the comparison holds for the string {@code s} in the slot. The string is first
     * compared as the same object ({@link #comparedTexts}) and by its hash, which a string keeps once
     * computed: a scanner's recent strings are the same objects event after event.
     */
    public boolean matches(String s) {
      return (s == text || s.hashCode() == hash && s.equals(text)) == equal;
    }
  }

  /**
   * Tells {@code into} of each text that {@code eval} compares a field with as {@link #of} compiles
   * it ({@code field = 'text'} and the like, in comparisons, AND and OR): the very objects its
   * comparisons hold, which a scanner may then give for the field ({@code FieldScanner#know}).
   */
  static void comparedTexts(Eval eval, java.util.function.Consumer<String> into) {
    switch (eval) {
      case Comparison c when equality(c) && c.left() instanceof FieldRead && c.right() instanceof Constant k
          && k.value() instanceof String text -> into.accept(text);
      case Comparison c when equality(c) && c.left() instanceof Constant k && c.right() instanceof FieldRead
          && k.value() instanceof String text -> into.accept(text);
      case Comparison c -> {
        comparedTexts(c.left(), into);
        comparedTexts(c.right(), into);
      }
      case Logical l -> {
        comparedTexts(l.left(), into);
        comparedTexts(l.right(), into);
      }
      default -> { }
    }
  }

  private static boolean equality(Comparison c) {
    return c.op() == BinaryOperator.EQ || c.op() == BinaryOperator.NE;
  }
}
