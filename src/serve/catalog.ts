/** The served models by name, and the one place that decides which route may use which model family. */
import { MoatError } from '../http/errors.ts';
import type { BuiltinModel, LanguageModel, ModelInfo, TextClassifier, TextEmbedder } from '../ml/contracts.ts';

const ROUTE_OF_FAMILY = {
  lm: '/v1/completions or /v1/chat/completions',
  classifier: '/v1/classifications',
  embedder: '/v1/embeddings',
} as const satisfies Record<BuiltinModel['family'], string>;

export class ModelCatalog {
  readonly #byName = new Map<string, BuiltinModel>();

  /** Throws at start-up on two models with one name, since requests could not tell them apart. */
  constructor(models: readonly BuiltinModel[]) {
    for (const entry of models) {
      const name = entry.model.info.name;
      if (this.#byName.has(name)) throw new Error(`two served models are both named '${name}'`);
      this.#byName.set(name, entry);
    }
  }

  list(): ModelInfo[] {
    return [...this.#byName.values()].map((m) => m.model.info);
  }

  /** The model's info, or 404 `model_not_found`. */
  info(name: string): ModelInfo {
    return this.#find(name).model.info;
  }

  languageModel(name: string): LanguageModel {
    const entry = this.#find(name);
    if (entry.family !== 'lm') throw wrongRoute(name, entry.family, 'a language model');
    return entry.model;
  }

  classifier(name: string): TextClassifier {
    const entry = this.#find(name);
    if (entry.family !== 'classifier') throw wrongRoute(name, entry.family, 'a classifier');
    return entry.model;
  }

  embedder(name: string): TextEmbedder {
    const entry = this.#find(name);
    if (entry.family !== 'embedder') throw wrongRoute(name, entry.family, 'an embedding model');
    return entry.model;
  }

  #find(name: string): BuiltinModel {
    const entry = this.#byName.get(name);
    if (!entry) {
      const known = [...this.#byName.keys()].join(', ') || 'none';
      throw new MoatError('model_not_found', `the model '${name}' does not exist (served: ${known})`, { param: 'model' });
    }
    return entry;
  }
}

function wrongRoute(name: string, family: BuiltinModel['family'], wanted: string): MoatError {
  return new MoatError('invalid_request', `the model '${name}' is not ${wanted} on this route; use ${ROUTE_OF_FAMILY[family]}`, { param: 'model' });
}
