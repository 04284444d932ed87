package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.lorafleet.operator.config.OperatorConfig;
import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The builtin server pods get the operator's log format switch; vLLM pods are left alone. */
class ServingWorkloadLogFormatTest {
  @Test
  void builtinServerPodsLogJsonWhenTheOperatorIsToldSo() {
    assertThat(jsonSwitch(ServingWorkload.env(null, true, config(true)))).isEqualTo("true");
    assertThat(jsonSwitch(ServingWorkload.env(null, true, config(false)))).isEqualTo("false");
  }

  @Test
  void vllmPodsGetNoQuarkusSwitch() {
    assertThat(jsonSwitch(ServingWorkload.env(null, false, config(true)))).isNull();
  }

  private static String jsonSwitch(List<EnvVar> env) {
    return env.stream()
        .filter(e -> e.getName().equals("QUARKUS_LOG_CONSOLE_JSON_ENABLED"))
        .map(EnvVar::getValue)
        .findFirst()
        .orElse(null);
  }

  /** Only servingJsonLogs is read by env(); any other call fails the test. */
  private static OperatorConfig config(boolean jsonLogs) {
    return (OperatorConfig)
        Proxy.newProxyInstance(
            OperatorConfig.class.getClassLoader(),
            new Class<?>[] {OperatorConfig.class},
            (proxy, method, args) -> {
              if (method.getName().equals("servingJsonLogs")) {
                return jsonLogs;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
