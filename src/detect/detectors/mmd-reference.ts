/**
 * The fixed, seeded benign reference for the MMD detector: everyday requests of the kinds chat users send (how-to,
 * advice, explanations, writing help, small coding questions, planning) across many topics. The detection core
 * embeds these prompts with the production embedder and passes the embeddings as `mmd.reference`. A fixed set
 * keeps the test reproducible and immune to poisoning; its weakness (a tenant whose normal traffic is unlike
 * it fires) is why the MMD detector also accepts a per-tenant reference and why the policy never bans on one
 * detector alone.
 */
import { createRng } from '../../ml/engine/rng.ts';

const TOPICS: readonly (readonly string[])[] = [
  ['sourdough', 'pasta', 'curry', 'oven', 'marinade', 'vegetables', 'breakfast', 'dessert', 'leftovers', 'spices'],
  ['flight', 'hotel', 'itinerary', 'visa', 'train pass', 'packing list', 'jet lag', 'road trip', 'museum', 'beach'],
  ['python script', 'SQL query', 'regex', 'git branch', 'React component', 'unit test', 'API error', 'Docker image', 'CSS layout', 'memory leak'],
  ['sleep', 'running plan', 'stretching', 'protein', 'back pain', 'meditation', 'hydration', 'posture', 'cold', 'allergies'],
  ['budget', 'savings goal', 'credit card', 'mortgage', 'tax return', 'rent', 'retirement account', 'invoice', 'side income', 'insurance'],
  ['cover letter', 'job interview', 'salary negotiation', 'resume', 'performance review', 'career change', 'manager', 'team meeting', 'deadline', 'promotion'],
  ['tomatoes', 'houseplants', 'compost', 'lawn', 'pruning', 'seedlings', 'aphids', 'raised bed', 'watering', 'herbs'],
  ['essay', 'poem', 'birthday message', 'wedding toast', 'email to my landlord', 'short story', 'product description', 'thank-you note', 'speech', 'apology'],
  ['photosynthesis', 'black holes', 'inflation', 'the French revolution', 'vaccines', 'climate change', 'DNA', 'electric cars', 'volcanoes', 'the stock market'],
  ['toddler', 'teenager', 'puppy', 'cat', 'roommate', 'neighbour', 'grandparents', 'friend', 'partner', 'colleague'],
  ['laptop', 'phone battery', 'wifi router', 'printer', 'headphones', 'smart TV', 'password manager', 'backup', 'spreadsheet', 'calendar'],
  ['guitar', 'chess', 'painting', 'photography', 'knitting', 'board games', 'piano', 'hiking', 'cycling', 'swimming'],
];

const FRAMES: readonly ((a: string, b: string) => string)[] = [
  (a, b) => `How do I get started with ${a} if I also care about ${b}?`,
  (a) => `Can you explain ${a} in simple terms?`,
  (a) => `What are some common mistakes with ${a}?`,
  (a, b) => `I'm having trouble with my ${a}, it started after the ${b}. What should I check?`,
  (a, b) => `Help me write a short ${a} about ${b}.`,
  (a, b) => `Which is better for a beginner, ${a} or ${b}?`,
  (a) => `Give me a quick checklist for ${a}.`,
  (a, b) => `My ${a} keeps acting up whenever ${b} comes up, any ideas?`,
  (a) => `Is it normal that ${a} takes this long?`,
  (a, b) => `What should I know about ${a} before next week? Also, how does ${b} fit in?`,
  (a) => `Summarise the main points about ${a} for me.`,
  (a, b) => `Could you suggest a plan for ${a} that leaves time for ${b}?`,
  (a) => `why does ${a} matter so much`,
  (a, b) => `pros and cons of ${a} vs ${b}?`,
  (a) => `I need advice on ${a}, where do I start`,
  (a, b) => `Rewrite this to sound friendlier: "about the ${a}, we need to talk about ${b}"`,
];

/** `count` benign-looking prompts, deterministic for a seed (default: 512 prompts, seed 1). */
export function benignReferencePrompts(count = 512, seed = 1): string[] {
  const rng = createRng(seed);
  const prompts: string[] = [];
  for (let i = 0; i < count; i++) {
    const topic = TOPICS[rng.int(TOPICS.length)];
    const frame = FRAMES[rng.int(FRAMES.length)];
    prompts.push(frame(topic[rng.int(topic.length)], topic[rng.int(topic.length)]));
  }
  return prompts;
}
