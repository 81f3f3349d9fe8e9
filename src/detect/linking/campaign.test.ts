import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LinkedCluster } from '../actions.ts';
import { campaignScore } from './campaign.ts';

const cluster = (accounts: number, linkKinds: LinkedCluster['linkKinds']): LinkedCluster => ({
  id: 'c1',
  accounts: Array.from({ length: accounts }, (_, i) => `acct${i}`),
  evidence: [],
  linkKinds,
});
const fresh = { repeatFraction: 0, shallowFraction: 1 };

test('campaign: 50 accounts linked by template, timing and subnets sending fresh single-shot prompts score ~1, with reasons', () => {
  const r = campaignScore(cluster(50, { template: 49, timing: 41, subnet: 11 }), 600, fresh);
  assert.ok(r.score > 0.95, `${r.score}`);
  assert.match(r.reasons[0], /50 accounts linked by 3 kinds of evidence \(template ×49, timing ×41, subnet ×11\)/);
  assert.match(r.reasons[1], /600 requests, 100% single-shot, 0% repeated or public/);
});

test('campaign: a pair of developers (template + timing) is a team, not a campaign', () => {
  assert.equal(campaignScore(cluster(2, { template: 1, timing: 1 }), 200, fresh).score, 0);
});

test('campaign: a group whose prompts are public or repeated (a shared benchmark) or who follow up does not score', () => {
  assert.equal(campaignScore(cluster(30, { template: 29, timing: 29, subnet: 5 }), 900, { repeatFraction: 0.6, shallowFraction: 1 }).score, 0);
  assert.equal(campaignScore(cluster(30, { template: 29, timing: 29, subnet: 5 }), 900, { repeatFraction: 0, shallowFraction: 0.5 }).score, 0);
});

test('campaign: grows with members, evidence kinds and volume (monotone)', () => {
  const two = campaignScore(cluster(20, { template: 19, timing: 19 }), 600, fresh).score;
  const three = campaignScore(cluster(20, { template: 19, timing: 19, subnet: 4 }), 600, fresh).score;
  assert.ok(Math.abs(two - 0.6) < 1e-9 && three === 1, `${two} ${three}`);
  assert.ok(campaignScore(cluster(10, { template: 9, timing: 9, subnet: 2 }), 600, fresh).score < three);
  assert.ok(campaignScore(cluster(20, { template: 19, timing: 19, subnet: 4 }), 150, fresh).score < three);
  assert.equal(campaignScore(cluster(20, { template: 19, timing: 19, subnet: 4 }), 80, fresh).score, 0, 'too little traffic to judge');
});
