/** Account linking: groups accounts into actors (clusters) from shared subnets, templates, timing and creation. */
export { type AccountMeta, ActorLinker, type Cluster, type LinkerOptions } from './linker.ts';
