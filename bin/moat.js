#!/usr/bin/env node
// Entry point: registers the TypeScript loader so the CLI (and the worker threads it starts) run from src/.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
