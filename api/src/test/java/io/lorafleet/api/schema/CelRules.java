package io.lorafleet.api.schema;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Compiles and evaluates x-kubernetes-validations rules with cel-java: the standard CEL environment
 * plus Kubernetes' {@code isQuantity(string)} (k8s.io/apiserver's quantity library, in the CRD
 * environment from 1.29), which accepts exactly the syntax of resource.ParseQuantity. Any other
 * Kubernetes-only function fails to compile here.
 */
final class CelRules {
  private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");
  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          // has(), all(), exists(), exists_one(), map(), filter(): standard CEL, as in Kubernetes.
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addFunctionDeclarations(
              CelFunctionDecl.newFunctionDeclaration(
                  "isQuantity",
                  CelOverloadDecl.newGlobalOverload(
                      "is_quantity_string", SimpleType.BOOL, SimpleType.STRING)))
          .build();

  /** Sign, a decimal number, then a binary-SI or decimal-SI suffix or a decimal exponent. */
  private static final Pattern QUANTITY =
      Pattern.compile(
          "[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\\d+)?");

  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder()
          .addFunctionBindings(
              CelFunctionBinding.from(
                  "is_quantity_string", String.class, s -> QUANTITY.matcher(s).matches()))
          .build();
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
