package io.lorafleet.trainer.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.generator.annotation.Default;
import java.io.IOException;
import java.lang.reflect.RecordComponent;

/**
 * Fills the CRD schema's {@code @Default} values into null fields of an API record. The API server
 * applies these defaults before the operator copies the spec into trainer.json; a config written by
 * hand (a laptop run) gets the same values from the same annotations, so there is one definition.
 */
final class SchemaDefaults {
  private SchemaDefaults() {}

  static <T extends Record> T fill(T value, ObjectMapper json) {
    if (value == null) {
      return null;
    }
    RecordComponent[] components = value.getClass().getRecordComponents();
    Object[] args = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    boolean changed = false;
    try {
      for (int i = 0; i < components.length; i++) {
        RecordComponent c = components[i];
        types[i] = c.getType();
        args[i] = c.getAccessor().invoke(value);
        Default d = defaultOf(value.getClass(), c);
        if (args[i] == null && d != null) {
          args[i] = parse(json, c, d.value());
          changed = true;
        }
      }
      if (!changed) {
        return value;
      }
      @SuppressWarnings("unchecked")
      T filled = (T) value.getClass().getDeclaredConstructor(types).newInstance(args);
      return filled;
    } catch (IOException | ReflectiveOperationException e) {
      throw new IllegalStateException("cannot apply schema defaults to " + value.getClass(), e);
    }
  }

  /** Defaults are JSON, except that strings and enum names are written without quotes. */
  private static Object parse(ObjectMapper json, RecordComponent c, String value)
      throws IOException {
    var type = json.constructType(c.getGenericType());
    if (c.getType() == String.class || c.getType().isEnum()) {
      return json.convertValue(new TextNode(value), type);
    }
    return json.readerFor(type).readValue(value);
  }

  private static Default defaultOf(Class<?> type, RecordComponent c) {
    Default d = c.getAnnotation(Default.class);
    if (d == null) {
      d = c.getAccessor().getAnnotation(Default.class);
    }
    if (d == null) {
      try {
        d = type.getDeclaredField(c.getName()).getAnnotation(Default.class);
      } catch (NoSuchFieldException e) {
        return null;
      }
    }
    return d;
  }
}
