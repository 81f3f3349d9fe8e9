/**
 * The model server's watermark wiring: with `watermark.text.enabled`, generation requests that carry a key id from a
 * trusted gateway are marked with that account's KGW key. The master comes from the same configuration as the
 * gateway's (`watermark.secret`, or `<dataDir>/watermark-secret.json` shared by `moat up`'s gateway and server).
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.ts';
import type { ModelCatalog } from '../../serve/catalog.ts';
import { noLogitsProcessors, type SelectLogitsProcessors } from '../../serve/logits-processors.ts';
import { watermarkKeyring } from '../secret.ts';
import { kgwSelector } from './kgw.ts';

export function textWatermarkSelector(config: Config, catalog: ModelCatalog, logger: Logger): SelectLogitsProcessors {
  const text = config.watermark.text;
  if (!text.enabled) return noLogitsProcessors;
  const keyring = watermarkKeyring(config, { create: true });
  logger.info({ gamma: text.gamma, delta: text.delta, contextWidth: text.contextWidth, keyVersion: keyring.currentVersion }, 'text watermark on');
  return kgwSelector({
    keyring,
    params: text,
    tokenizerOf: (model) => catalog.languageModel(model).tokenizer,
    onUnresolvedKey: (keyId) =>
      logger.error({ keyId: keyId.slice(0, 80) }, 'watermark key id does not resolve under this server\'s watermark secret: output served UNMARKED (gateway and server must share watermark.secret)'),
  });
}
