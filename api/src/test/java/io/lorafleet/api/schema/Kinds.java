package io.lorafleet.api.schema;

import io.fabric8.kubernetes.client.CustomResource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import java.util.List;

/** The four Lorafleet kinds and the files their CRDs are committed as. */
public enum Kinds {
  BASE_MODEL(BaseModel.class),
  LORA_ADAPTER(LoraAdapter.class),
  FINE_TUNE_JOB(FineTuneJob.class),
  MERGE_POLICY(MergePolicy.class);

  private final Class<? extends CustomResource<?, ?>> type;

  Kinds(Class<? extends CustomResource<?, ?>> type) {
    this.type = type;
  }

  public Class<? extends CustomResource<?, ?>> type() {
    return type;
  }

  public String kind() {
    return type.getSimpleName();
  }

  /** The CRD's metadata.name, e.g. basemodels.lorafleet.io. */
  public String crdName() {
    return CustomResource.getCRDName(type);
  }

  public String fileName() {
    return crdName() + ".yaml";
  }

  public static Kinds ofKind(String kind) {
    for (Kinds k : values()) {
      if (k.kind().equals(kind)) {
        return k;
      }
    }
    throw new IllegalArgumentException("not a Lorafleet kind: " + kind);
  }

  public static List<Class<? extends CustomResource<?, ?>>> types() {
    return List.of(values()).stream()
        .<Class<? extends CustomResource<?, ?>>>map(Kinds::type)
        .toList();
  }
}
