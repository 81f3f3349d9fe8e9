/** Account names: human-looking (benign users, and swarms that bother to hide) or sequential (a careless swarm). */
import type { Rng } from '../ml/engine/rng.ts';

const FIRST = ['alex', 'maria', 'sam', 'li', 'priya', 'jonas', 'fatima', 'diego', 'yuki', 'noah', 'olga', 'kwame', 'ines', 'omar', 'chen', 'lena', 'raj', 'sofia', 'tom', 'amara', 'ivan', 'mei', 'lucas', 'zoe'];
const LAST = ['smith', 'garcia', 'wang', 'kumar', 'muller', 'rossi', 'okafor', 'tanaka', 'silva', 'novak', 'haddad', 'kim', 'dubois', 'jensen', 'lopez', 'ahmed', 'berg', 'costa', 'ivanova', 'nguyen'];
const ORGS = ['acme', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'tyrell', 'hooli', 'vandelay', 'soylent'];

export function humanName(rng: Rng): string {
  const first = FIRST[rng.int(FIRST.length)];
  const last = LAST[rng.int(LAST.length)];
  switch (rng.int(4)) {
    case 0:
      return `${first}.${last}`;
    case 1:
      return `${first}${last[0]}${rng.int(100)}`;
    case 2:
      return `${first}@${ORGS[rng.int(ORGS.length)]}`;
    default:
      return `${first}_${last}_${1970 + rng.int(40)}`;
  }
}

export function sequentialName(prefix: string, index: number): string {
  return `${prefix}-${String(index + 1).padStart(4, '0')}`;
}
