/**
 * Union-find over string ids (path halving, union by size). Linking rebuilds one per relink pass, so it never needs
 * deletion; memory is two small maps per tracked account.
 */
export class UnionFind {
  readonly #parent = new Map<string, string>();
  readonly #size = new Map<string, number>();

  find(id: string): string {
    let node = id;
    if (!this.#parent.has(node)) {
      this.#parent.set(node, node);
      this.#size.set(node, 1);
      return node;
    }
    let parent = this.#parent.get(node)!;
    while (parent !== node) {
      const grand = this.#parent.get(parent)!;
      this.#parent.set(node, grand);
      node = parent;
      parent = grand;
    }
    return node;
  }

  union(a: string, b: string): string {
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return rootA;
    const sizeA = this.#size.get(rootA)!;
    const sizeB = this.#size.get(rootB)!;
    if (sizeA < sizeB) [rootA, rootB] = [rootB, rootA];
    this.#parent.set(rootB, rootA);
    this.#size.set(rootA, sizeA + sizeB);
    return rootA;
  }

  /** Root → members, for every id ever seen. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const id of this.#parent.keys()) {
      const root = this.find(id);
      const members = out.get(root);
      if (members) members.push(id);
      else out.set(root, [id]);
    }
    return out;
  }
}
