// llama.cpp as a decode peer: reads one JSON request (argv[2]), prints one JSON answer on stdout.
// It only loads the prebuilt CPU binary shipped in @node-llama-cpp/linux-x64: build "never",
// no download, no GPU, so a run can never compile or fetch anything.
//
// request: {model, threads, mode: "agree"|"decode", tokens, lora?, loraScale?,
//           batch?, prompt?, steps?, warmupSteps?}
//   agree:  teacher-forced; for every position the greedy (top-1) next token
//   decode: batch sequences, each prefilled with `prompt` tokens, then `steps` greedy steps
//           timed after a warm-up window; answers tokens/s and the process's CPU seconds in
//           the timed window (all threads: on a shared machine the work done, apart from the
//           time spent waiting for a core)
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { readFileSync } from "node:fs";

const req = JSON.parse(readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({
  gpu: false,
  build: "never",
  skipDownload: true,
  usePrebuiltBinaries: true,
  progressLogs: false,
  maxThreads: req.threads,
  logLevel: LlamaLogLevel.error,
});
const model = await llama.loadModel({ modelPath: req.model, gpuLayers: 0, useMmap: true });
const batch = req.batch ?? 1;
const context = await model.createContext({
  sequences: batch,
  contextSize: req.contextSize ?? 512,
  batchSize: Math.max(512, batch * 64),
  threads: { ideal: req.threads, min: req.threads },
  flashAttention: false,
  lora: req.lora ? { adapters: [{ filePath: req.lora, scale: req.loraScale ?? 1 }] } : undefined,
});
const greedy = { token: true, options: { temperature: 0 } };

async function agree() {
  const seq = context.getSequence();
  const out = await seq.controlledEvaluate(req.tokens.map((t) => [t, { generateNext: greedy }]));
  return { top: out.map((o) => o.next.token) };
}

async function window(seqs, steps) {
  await Promise.all(seqs.map((s) => s.clearHistory()));
  const prompt = req.tokens.slice(0, req.prompt);
  let next = await Promise.all(
    seqs.map(async (s) => {
      const out = await s.controlledEvaluate(
        prompt.map((t, i) => (i === prompt.length - 1 ? [t, { generateNext: greedy }] : t)),
      );
      return out[prompt.length - 1].next.token;
    }),
  );
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) {
    // All sequences queue their token at once, so node-llama-cpp decodes them as one batch.
    next = await Promise.all(
      seqs.map(async (s, j) => (await s.controlledEvaluate([[next[j], { generateNext: greedy }]]))[0].next.token),
    );
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, last: next };
}

async function decode() {
  const seqs = Array.from({ length: batch }, () => context.getSequence());
  await window(seqs, req.warmupSteps ?? 16);
  const w = await window(seqs, req.steps);
  return {
    tokensPerSecond: (batch * req.steps) / w.seconds,
    seconds: w.seconds,
    cpuSeconds: w.cpuSeconds,
    last: w.last,
  };
}

const answer = req.mode === "agree" ? await agree() : await decode();
answer.threads = context.currentThreads ?? req.threads;
const pkg = new URL("./node_modules/node-llama-cpp/package.json", import.meta.url);
answer.engine = "llama.cpp via node-llama-cpp " + JSON.parse(readFileSync(pkg, "utf8")).version;
process.stdout.write(JSON.stringify(answer) + "\n");
await context.dispose();
await model.dispose();
await llama.dispose();
