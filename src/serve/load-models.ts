/** Loads the weights the model server serves: the tfjs engine for this thread, then the registry's models. */
import type { Config } from '../config/schema.ts';
import type { BuiltinModel } from '../ml/contracts.ts';
import { initEngine } from '../ml/engine/init.ts';
import { loadBuiltinModels } from '../ml/registry.ts';

/**
 * Every model in `serve.modelsDir`, or those in `names` (directory or served names). Throws with a message naming
 * the directory or file at fault (missing directory, unknown name, unreadable or corrupt model files).
 */
export async function loadServedModels(config: Config, names?: readonly string[]): Promise<BuiltinModel[]> {
  const dir = config.serve.modelsDir;
  await initEngine();
  let models: BuiltinModel[];
  try {
    models = await loadBuiltinModels(dir, names);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT' && (err as { path?: string }).path === dir) {
      throw new Error(`the models directory ${dir} does not exist (train models with \`moat train\`, or set serve.modelsDir)`, { cause: err });
    }
    throw err;
  }
  if (models.length === 0) throw new Error(`no models in ${dir} (train models with \`moat train\`, or set serve.modelsDir)`);
  return models;
}
