/**
 * `npm run bench -- <name> [...]`: runs one benchmark (or all) and writes bench/results/<name>.json. Benchmarks
 * always measure against a baseline in the same run and report ratios, because this 2-core box is noisy.
 */
const BENCHES: Record<string, () => Promise<unknown>> = {
  gateway: async () => (await import('./gateway.ts')).runGatewayBench(),
  distill: async () => (await import('./distill.ts')).runDistillBench(),
  'ml-engine': async () => (await import('./ml-engine.ts')).runMlEngineBench(),
  models: async () => (await import('./models.ts')).runModelsBench(),
  'detect-engine': async () => (await import('./detect-engine.ts')).runDetectEngineBench(),
  detectors: async () => (await import('./detectors.ts')).runDetectorsBench(),
  'watermark-proxy': async () => (await import('./watermark-proxy.ts')).runWatermarkProxyBench(),
  'watermark-text': async () => (await import('./watermark-text.ts')).runWatermarkTextBench(),
  'watermark-dawn-margin': async () => (await import('./watermark-dawn-margin.ts')).runWatermarkDawnMarginBench(),
  'watermark-probe-length': async () => (await import('./watermark-probe-length.ts')).runWatermarkProbeLengthBench(),
  watermark: async () => (await import('./watermark.ts')).runWatermarkBench(),
  detect: async () => (await import('./detect.ts')).runDetectBench(),
  'detect-replay': async () => (await import('./detect-replay.ts')).runDetectReplay(),
};

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
for (const name of names.length ? names : Object.keys(BENCHES)) {
  process.stderr.write(`== bench ${name}\n`);
  await BENCHES[name]();
}
