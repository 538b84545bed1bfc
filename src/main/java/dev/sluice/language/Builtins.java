package dev.sluice.language;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The scalar functions the language knows, with how many arguments each takes. The parser checks
 * calls against it so that a misspelled or misused function fails at its name, not at run time.
 */
public final class Builtins {
  /** Variadic functions still take a bounded number of arguments. */
  public static final int ARGUMENTS_LIMIT = 100;

  public record Signature(String name, int minArguments, int maxArguments) {
    public Signature {
      if (minArguments < 0 || maxArguments < minArguments || maxArguments > ARGUMENTS_LIMIT) {
        throw new IllegalArgumentException(
            name + ": bad arity " + minArguments + ".." + maxArguments);
      }
    }

    public boolean accepts(int count) {
      return count >= minArguments && count <= maxArguments;
    }

    /** "1 argument", "2 or 3 arguments", "at least 1 argument". */
    public String arity() {
      if (maxArguments == ARGUMENTS_LIMIT) {
        return "at least " + arguments(minArguments);
      }
      if (minArguments == maxArguments) {
        return arguments(minArguments);
      }
      var range = maxArguments == minArguments + 1 ? " or " : " to ";
      return minArguments + range + arguments(maxArguments);
    }

    private static String arguments(int count) {
      return count + (count == 1 ? " argument" : " arguments");
    }
  }

  private static final Map<String, Signature> BY_NAME =
      Stream.of(
              new Signature("coalesce", 1, ARGUMENTS_LIMIT),
              new Signature("nullif", 2, 2),
              new Signature("concat", 1, ARGUMENTS_LIMIT),
              new Signature("lower", 1, 1),
              new Signature("upper", 1, 1),
              new Signature("length", 1, 1),
              new Signature("substr", 2, 3),
              new Signature("trim", 1, 1),
              new Signature("replace", 3, 3),
              new Signature("abs", 1, 1),
              new Signature("round", 1, 2),
              new Signature("floor", 1, 1),
              new Signature("ceil", 1, 1),
              new Signature("now", 0, 0),
              new Signature("date_trunc", 2, 2),
              new Signature("date_part", 2, 2))
          .collect(Collectors.toUnmodifiableMap(Signature::name, Function.identity()));

  private Builtins() {}

  public static Optional<Signature> lookup(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }

  public static Set<String> names() {
    return BY_NAME.keySet();
  }
}
