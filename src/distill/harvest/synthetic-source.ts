/**
 * Synthetic prompts from small templates, seeded: with no corpus at hand a distiller still needs inputs that look
 * like the traffic the teacher serves. Each modality has its own templates — story prompts for text, a balanced mix
 * of spam-like and ordinary messages for a classifier, short topical sentences for an embedder.
 */
import { createRng, deriveSeed, type Rng } from '../../ml/engine/rng.ts';
import type { Modality, PromptItem } from './types.ts';

type Slots = Readonly<Record<string, readonly string[]>>;

interface Grammar {
  templates: readonly string[];
  slots: Slots;
}

const SEA: Slots = {
  topic: ['whales', 'the open sea', 'a long voyage', 'storms at sea', 'harpoons', 'old sailors', 'a lighthouse', 'fog over the harbour', 'ship rigging', 'the night watch'],
  character: ['The captain', 'An old sailor', 'The harpooneer', 'A young deckhand', 'The cook', 'The first mate'],
  action: ['looked out over the water', 'climbed the mast', 'sharpened his harpoon', 'counted the barrels', 'mended the sails', 'wrote in the log'],
  place: ['the harbour', 'Nantucket', 'the Pacific', 'the deck', 'the galley', 'a stormy night'],
  audience: ['child', 'sailor', 'stranger', 'friend'],
};

const GRAMMARS: Record<Modality, Grammar> = {
  text: {
    templates: [
      'Tell me about {topic}.',
      'Write one sentence about {topic} near {place}.',
      '{character} {action} and then',
      'Describe {topic} to a {audience}.',
      'Continue the story: {character} {action} in {place}.',
    ],
    slots: SEA,
  },
  classifier: {
    templates: ['{greeting} {name}! {offer} {cta}', '{greeting} {name}, {note} {signoff}'],
    slots: {
      greeting: ['Hi', 'Hello', 'Dear', 'Hey'],
      name: ['Alice', 'Bob', 'team', 'friend', 'customer', 'all'],
      offer: ['You are a winner of a free prize.', 'Claim your cash reward now.', 'Limited offer: free money for you.', 'Urgent: your account won a prize.', 'Win a free cruise today.'],
      cta: ['Click here.', 'Reply now to claim.', 'Call today.', 'Visit our site now.'],
      note: ['the meeting moved to {day}.', 'can you review the draft by {day}?', 'lunch on {day}?', 'the build failed again; logs attached.', 'thanks for the notes from {day}.'],
      day: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
      signoff: ['Thanks.', 'Best, Carol.', 'Cheers.', 'See you then.'],
    },
  },
  embedding: {
    templates: ['{subject} {verb} {object}.', 'A note on {topic}: {subject} {verb} {object}.'],
    slots: {
      ...SEA,
      subject: ['Congress', 'The nation', 'Our economy', 'The fleet', 'Farmers', 'The treasury', 'Workers', 'The army'],
      verb: ['needs', 'has strengthened', 'must protect', 'will expand', 'depends on', 'has weakened'],
      object: ['trade with Europe', 'the public schools', 'the national debt', 'new railroads', 'the harbours', 'fair wages', 'peace abroad'],
    },
  },
};

/** `count` distinct prompts for `modality` (fewer only if the templates cannot make that many). */
export function syntheticPrompts(modality: Modality, count: number, seed: number): PromptItem[] {
  const rng = createRng(deriveSeed(seed, `synthetic:${modality}`));
  const grammar = GRAMMARS[modality];
  const seen = new Set<string>();
  for (let tries = 0; seen.size < count && tries < count * 50; tries++) {
    seen.add(expand(grammar.templates[rng.int(grammar.templates.length)], grammar.slots, rng));
  }
  return [...seen].map((text) => ({ text }));
}

/** Replaces `{slot}` placeholders with random fillers; fillers may hold placeholders themselves (one level deep). */
function expand(template: string, slots: Slots, rng: Rng, depth = 0): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const options = slots[name];
    if (!options) return whole;
    const filler = options[rng.int(options.length)];
    return depth < 1 ? expand(filler, slots, rng, depth + 1) : filler;
  });
}
