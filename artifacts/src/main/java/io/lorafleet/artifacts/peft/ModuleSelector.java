package io.lorafleet.artifacts.peft;

import io.lorafleet.artifacts.hf.LinearModule;
import java.util.List;
import java.util.regex.Pattern;

/**
 * PEFT's {@code target_modules} / {@code exclude_modules} semantics: a list matches a module whose
 * full name equals an entry or ends with {@code "." + entry}; a string is a regex that must match
 * the full name; {@code all-linear} selects every linear layer except the output head.
 */
public sealed interface ModuleSelector {

  /** True when this selects the module at {@code path}, e.g. {@code model.layers.0.mlp.up_proj}. */
  boolean matches(String path, LinearModule module);

  /** The JSON value PEFT writes for this selector. */
  Object toJson();

  record Names(List<String> names) implements ModuleSelector {
    public Names {
      names = List.copyOf(names);
    }

    @Override
    public boolean matches(String path, LinearModule module) {
      for (String n : names) {
        if (path.equals(n) || path.endsWith("." + n)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public Object toJson() {
      return names;
    }
  }

  record Regex(Pattern pattern) implements ModuleSelector {
    @Override
    public boolean matches(String path, LinearModule module) {
      return BoundedRegex.fullMatch(pattern, path);
    }

    @Override
    public Object toJson() {
      return pattern.pattern();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Regex r && r.pattern.pattern().equals(pattern.pattern());
    }

    @Override
    public int hashCode() {
      return pattern.pattern().hashCode();
    }
  }

  record AllLinear() implements ModuleSelector {
    public static final String JSON = "all-linear";

    @Override
    public boolean matches(String path, LinearModule module) {
      return module != LinearModule.LM_HEAD;
    }

    @Override
    public Object toJson() {
      return JSON;
    }
  }
}
