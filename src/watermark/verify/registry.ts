/** The verification methods `moat verify --modality` can run. Add a method: import its factory and list it here. */
import type { Config } from '../../config/schema.ts';
import { createClassifierVerifyMethod } from './classifier-method.ts';
import { createEmbeddingVerifyMethod } from './embedding-method.ts';
import { createLexicalVerifyMethod } from './lexical-method.ts';
import type { VerifyMethod } from './method.ts';
import { createTextVerifyMethod } from './text-method.ts';

type MethodFactory = (config: Config) => VerifyMethod;

const FACTORIES: readonly MethodFactory[] = [
  createTextVerifyMethod,
  createLexicalVerifyMethod,
  (config) => createEmbeddingVerifyMethod(config),
  (config) => createClassifierVerifyMethod(config),
];

export function verifyMethods(config: Config): VerifyMethod[] {
  return FACTORIES.map((create) => create(config));
}

export function verifyMethodFor(modality: string, config: Config): VerifyMethod | undefined {
  return verifyMethods(config).find((m) => m.modality === modality);
}
