// Worker-thread entry: module hooks registered in the main thread do not reach workers, so this plain .js file
// registers the TypeScript loader itself before importing the real worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
