package io.lorafleet.server.api;

import io.lorafleet.server.model.BaseModel;
import io.lorafleet.server.model.ModelService;
import io.lorafleet.server.residency.AdapterRegistry;
import io.lorafleet.server.residency.AdapterVersion;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;

/** GET /v1/models: the base model, then every served adapter with {@code parent} = base. */
@Path("/v1/models")
public class ModelsResource {
  private final ModelService models;
  private final AdapterRegistry registry;

  ModelsResource(ModelService models, AdapterRegistry registry) {
    this.models = models;
    this.registry = registry;
  }

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public ModelList list() {
    BaseModel base = models.current();
    List<ModelList.Model> data = new ArrayList<>();
    if (base != null) {
      int ctx = base.config().maxPositionEmbeddings();
      data.add(
          new ModelList.Model(
              base.name(), "model", base.created(), "lorafleet", base.source(), null, ctx));
      for (AdapterVersion v : registry.all()) {
        data.add(
            new ModelList.Model(
                v.name(), "model", base.created(), "lorafleet", v.source(), base.name(), ctx));
      }
    }
    return new ModelList("list", data);
  }
}
