/** Test fixture: a spam/ham classifier scoring spammy keywords through a logistic function. */
import type { TextClassifier } from '../../ml/contracts.ts';

const SPAM_WORDS = new Set(['free', 'winner', 'prize', 'cash', 'click', 'offer', 'urgent', 'money', 'win', 'viagra']);

/** P(spam) = σ(2·(spammy words) − 1.5); labels are ['ham', 'spam']. */
export function createKeywordClassifier(name = 'test-spam'): TextClassifier {
  return {
    info: { name, family: 'classifier', size: 'tiny', parameterCount: SPAM_WORDS.size },
    labels: ['ham', 'spam'],
    predict(texts) {
      return texts.map((text) => {
        const hits = words(text).filter((w) => SPAM_WORDS.has(w)).length;
        const spam = 1 / (1 + Math.exp(-(2 * hits - 1.5)));
        return [1 - spam, spam];
      });
    },
    countTokens: (text) => words(text).length,
  };
}

export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}
