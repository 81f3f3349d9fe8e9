/**
 * Plans a scenario's actors before anything is sent: every persona's accounts (names, addresses) and attackers'
 * resources, all from seeded streams derived per actor, so the same scenario and seed plan the same traffic.
 */
import { createRng, deriveSeed } from '../ml/engine/rng.ts';
import { homeAddress, natAddresses } from './addresses.ts';
import { humanName } from './names.ts';
import { singleAttackerPlan } from './personas/attackers.ts';
import { benignPlan } from './personas/benign.ts';
import { swarmPlan } from './personas/swarm.ts';
import type { Scenario } from './scenario.ts';
import type { ActorPlan } from './world.ts';

/** Share of benign users who roam between two networks (home and mobile). */
const ROAMING_SHARE = 0.1;

export function planActors(scenario: Scenario): ActorPlan[] {
  const plans: ActorPlan[] = [];
  const benignSpecs = scenario.benign.flatMap((spec) => Array.from({ length: spec.accounts }, () => spec));
  const layout = createRng(deriveSeed(scenario.seed, 'benign-layout'));
  // Which benign accounts sit behind a shared NAT: a seeded choice across all personas.
  const order = layout.shuffle(benignSpecs.map((_, i) => i));
  const natSlots = Math.min(benignSpecs.length, scenario.nat.groups * scenario.nat.accountsPerGroup);
  const natGroupOf = new Map<number, number>(order.slice(0, natSlots).map((benignIndex, slot) => [benignIndex, Math.floor(slot / Math.max(1, scenario.nat.accountsPerGroup))]));
  benignSpecs.forEach((spec, i) => {
    const rng = createRng(deriveSeed(scenario.seed, `benign:${i}`));
    const group = natGroupOf.get(i);
    const ips = group !== undefined ? natAddresses(group) : rng.next() < ROAMING_SHARE ? [homeAddress(rng), homeAddress(rng)] : [homeAddress(rng)];
    plans.push(benignPlan(spec, humanName(rng), ips));
  });
  scenario.attackers.forEach((spec, i) => {
    const rng = createRng(deriveSeed(scenario.seed, `attacker:${i}`));
    plans.push(spec.strategy === 'sybil-swarm' ? swarmPlan(spec, rng) : singleAttackerPlan(spec, rng));
  });
  return plans;
}
