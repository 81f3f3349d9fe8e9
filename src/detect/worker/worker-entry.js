// Worker-thread entry for the detection engine: registers the TypeScript loader (as bin/moat.js does), then runs the
// worker module. Plain JavaScript because a worker's entry file is loaded before any loader is registered.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
