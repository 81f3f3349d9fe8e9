import { runStoreContract } from './contract.test-helpers.ts';
import { openMemoryStores } from './memory/index.ts';

runStoreContract('memory', ({ now }) => openMemoryStores({ now }));
