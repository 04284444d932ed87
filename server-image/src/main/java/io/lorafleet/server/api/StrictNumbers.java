package io.lorafleet.server.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Integer fields refuse fractions ({@code "max_tokens": 2.5} is a 400, not 2) and values that do
 * not fit; Jackson's defaults would truncate them silently.
 */
@Singleton
public class StrictNumbers implements ObjectMapperCustomizer {
  @Override
  public void customize(ObjectMapper mapper) {
    mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
  }
}
