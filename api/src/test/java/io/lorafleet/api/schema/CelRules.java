package io.lorafleet.api.schema;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Compiles and evaluates x-kubernetes-validations rules with cel-java, the standard CEL environment
 * only: a rule that uses a Kubernetes-only function fails to compile here.
 */
final class CelRules {
  private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          // has(), all(), exists(), exists_one(), map(), filter(): standard CEL, as in Kubernetes.
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();
  private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

  private CelRules() {}

  /** A transition rule compares with the stored object and runs only on updates. */
  static boolean isTransitionRule(String rule) {
    return OLD_SELF.matcher(rule).find();
  }

  static CelRuntime.Program compile(String rule) {
    return PROGRAMS.computeIfAbsent(
        rule,
        r -> {
          try {
            CelAbstractSyntaxTree ast = COMPILER.compile(r).getAst();
            return RUNTIME.createProgram(ast);
          } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalArgumentException("CEL rule does not compile: " + r, e);
          }
        });
  }

  /** True when the rule holds; an evaluation error is reported like a failed rule. */
  static boolean holds(String rule, Object self, Object oldSelf) throws CelEvaluationException {
    Map<String, Object> vars = new HashMap<>();
    vars.put("self", self);
    if (oldSelf != null) {
      vars.put("oldSelf", oldSelf);
    }
    Object result = compile(rule).eval(vars);
    if (!(result instanceof Boolean b)) {
      throw new IllegalArgumentException("CEL rule must return a bool: " + rule);
    }
    return b;
  }
}
