"""The third-party side of the interop tests: Hugging Face transformers and PEFT.

Run as ``python peft_peer.py JOBS.json``. JOBS.json is a list of jobs, run in order in one process
(importing torch costs seconds). Each job writes its outputs where it says, and its outcome goes
to ``<JOBS>.results.json``: ``{"ok": true}`` or ``{"ok": false, "error": "..."}`` per job, so a
test can assert that PEFT *refuses* a deliberately broken adapter. The process exits non-zero
only when it could not run at all.

Jobs (``op``):
  create   build a LoRA adapter with ``peft.get_peft_model`` on ``model`` from ``config`` (LoraConfig
           keyword arguments), random A and B from ``seed`` (PEFT's own ``init_lora_weights=False``,
           so the adapter is not a no-op), optional noise on ``modules_to_save`` copies, cast to
           ``dtype``, and ``save_pretrained(out)``.
  logits   the logits of every position of every sequence in ``ids`` from ``model`` (fp32), with
           ``PeftModel.from_pretrained(model, adapter)`` when ``adapter`` is given; written to
           ``out`` as safetensors, tensors ``logits.<i>`` of shape [len(ids[i]), vocab].
  merge    ``PeftModel.from_pretrained(model, adapter).merge_and_unload()`` saved to ``out``.
"""

import json
import sys
import traceback

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def load_base(model_dir):
    # fp32 explicitly: transformers 5 would otherwise pick the dtype itself ("auto").
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.eval()
    return model


def create(job):
    torch.manual_seed(job["seed"])
    base = load_base(job["model"])
    config = LoraConfig(task_type="CAUSAL_LM", init_lora_weights=False, **job["config"])
    model = get_peft_model(base, config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            # The trainable copy of a modules_to_save layer starts equal to the original; move it
            # so that ignoring it would change the output.
            if "modules_to_save" in name:
                param.add_(0.05 * torch.randn_like(param))
    model = model.to(DTYPES[job.get("dtype", "float32")])
    model.save_pretrained(job["out"])


def logits(job):
    model = load_base(job["model"])
    if job.get("adapter"):
        model = PeftModel.from_pretrained(model, job["adapter"])
        model.eval()
    out = {}
    with torch.no_grad():
        for i, seq in enumerate(job["ids"]):
            out[f"logits.{i}"] = model(torch.tensor([seq])).logits[0].float().contiguous()
    save_file(out, job["out"])


def merge(job):
    model = PeftModel.from_pretrained(load_base(job["model"]), job["adapter"])
    merged = model.merge_and_unload()
    merged.save_pretrained(job["out"])


OPS = {"create": create, "logits": logits, "merge": merge}


def main(path):
    with open(path, encoding="utf-8") as f:
        jobs = json.load(f)
    print(f"torch {torch.__version__}, {len(jobs)} jobs", flush=True)
    results = []
    for job in jobs:
        try:
            OPS[job["op"]](job)
            results.append({"ok": True})
        except Exception as e:  # reported per job: refusals are expected outcomes in some tests
            traceback.print_exc()
            results.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
        print(f"{job['op']} {job.get('out')}: {'ok' if results[-1]['ok'] else 'FAILED'}", flush=True)
    with open(path + ".results.json", "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: peft_peer.py JOBS.json")
    main(sys.argv[1])
