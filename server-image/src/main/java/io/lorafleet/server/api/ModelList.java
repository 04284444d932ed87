package io.lorafleet.server.api;

import java.util.List;

/** GET /v1/models: the base model and every served adapter ({@code parent} = the base model). */
public record ModelList(String object, List<Model> data) {

  /** {@code root} is where the model or adapter version was loaded from. */
  public record Model(
      String id,
      String object,
      long created,
      String ownedBy,
      String root,
      String parent,
      Integer maxModelLen) {}
}
