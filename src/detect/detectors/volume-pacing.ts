/**
 * Volume and pacing: is this account sending far more than its own history and the population, at a scripted
 * cadence, around the clock? Humans arrive in bursty sessions (inter-arrival CV ≥ 1) and sleep (activity in a
 * daily band); a harvesting script paces evenly (CV ≪ 1, few distinct gap sizes) at every hour of the day.
 *
 * Evidence is combined so that no single harmless trait convicts: regular pacing alone (a batch job) is capped at
 * 0.35, volume alone at 0.6, a flat day alone at 0.5; regular pacing *and* no daily rhythm reach 1.
 *
 * State per account: a 168-slot ring of hourly counts (one week, 672 B), a 64-slot ring of inter-arrival gaps
 * (512 B) and a few scalars — ≤ 1.5 KB; `maxStateBytes` = 2048. Cost: observe O(1), plus O(168) on an hour roll that
 * skips a week and two sorts of 64 gaps every 8th event; score O(168).
 */
import type { DetectionEvent, Detector, DetectorScore } from '../types.ts';
import { checkEvent } from './event-check.ts';
import { anyOf, ramp, round, support } from './score-shape.ts';

const HOUR_MS = 3_600_000;
const HOURS = 168;
const GAPS = 64;

export interface VolumePacingState {
  /** Events per absolute hour, indexed by hour number mod 168. */
  hours: Uint32Array;
  /** Absolute hour number of the newest bucket (−1 before the first event). */
  currentHour: number;
  firstAt: number;
  lastAt: number;
  total: number;
  /** Last GAPS inter-arrival gaps in ms (ring). */
  gaps: Float64Array;
  gapCount: number;
  /** Pacing statistics of the gap ring, refreshed every 8th gap (refreshPacing). */
  robustCv: number;
  gapEntropy: number;
}

export interface VolumePacingOptions {
  /** Hourly rate assumed for an account with no history until the population has spoken (default 30/h). */
  populationPriorPerHour?: number;
}

/**
 * Recomputes the pacing statistics from the gap ring: robust CV (1.4826·MAD / median — one overnight pause must not
 * hide a script's evenness; ≈ 1 for Poisson clicks) and the normalised entropy of quarter-octave gap bins (a script
 * lands in one or two bins, a human spreads over many). Run every 8th gap, so the sorts are amortised.
 */
function refreshPacing(s: VolumePacingState): void {
  const n = Math.min(s.gapCount, GAPS);
  if (n === 0) return;
  const gaps = s.gaps.slice(0, n).sort();
  let entropy = 0;
  // The gaps are sorted, so equal bins are runs.
  for (let i = 0, run = 0; i < n; i++) {
    run += 1;
    const bin = Math.floor(4 * Math.log2(1 + gaps[i]));
    if (i === n - 1 || Math.floor(4 * Math.log2(1 + gaps[i + 1])) !== bin) {
      entropy -= (run / n) * Math.log(run / n);
      run = 0;
    }
  }
  const median = gaps[n >> 1];
  const deviations = gaps.map((g) => Math.abs(g - median)).sort();
  s.robustCv = median > 0 ? (1.4826 * deviations[n >> 1]) / median : 0;
  s.gapEntropy = n > 1 ? entropy / Math.log(Math.min(n, 48)) : 1;
}

export function createVolumePacingDetector(options: VolumePacingOptions = {}): Detector<VolumePacingState> {
  // Population prior: a log₂ histogram of closed hourly counts across all accounts (bounded, 24 bins).
  const populationBins = new Float64Array(24);
  let populationSamples = 0;
  const defaultPrior = options.populationPriorPerHour ?? 30;

  const populationP90 = (): number => {
    if (populationSamples < 100) return defaultPrior;
    let seen = 0;
    for (let b = 0; b < populationBins.length; b++) {
      seen += populationBins[b];
      if (seen >= 0.9 * populationSamples) return 2 ** (b + 1);
    }
    return defaultPrior;
  };

  const closeHour = (count: number): void => {
    if (count === 0) return;
    populationBins[Math.min(23, Math.floor(Math.log2(count)))] += 1;
    populationSamples += 1;
  };

  const create = (): VolumePacingState => ({
    hours: new Uint32Array(HOURS),
    currentHour: -1,
    firstAt: 0,
    lastAt: 0,
    total: 0,
    gaps: new Float64Array(GAPS),
    gapCount: 0,
    robustCv: 1,
    gapEntropy: 1,
  });

  const observe = (s: VolumePacingState, event: DetectionEvent): void => {
    checkEvent(event);
    const hour = Math.floor(event.at / HOUR_MS);
    if (s.currentHour < 0) {
      s.currentHour = hour;
      s.firstAt = event.at;
    } else if (hour > s.currentHour) {
      closeHour(s.hours[s.currentHour % HOURS]);
      for (let h = s.currentHour + 1; h <= Math.min(hour, s.currentHour + HOURS); h++) s.hours[h % HOURS] = 0;
      s.currentHour = hour;
    }
    // A late event (queue reordering) still counts in its own hour if that hour is within the week.
    if (s.currentHour - hour < HOURS) s.hours[hour % HOURS] += 1;
    if (s.total > 0) {
      s.gaps[s.gapCount % GAPS] = Math.max(0, event.at - s.lastAt);
      s.gapCount += 1;
      if (s.gapCount % 8 === 0) refreshPacing(s);
    }
    s.lastAt = Math.max(s.lastAt, event.at);
    s.total += 1;
  };

  const score = (s: VolumePacingState, now: number): DetectorScore => {
    if (s.total === 0) return { score: 0, reasons: [], features: {} };
    const nowHour = Math.max(s.currentHour, Math.floor(now / HOUR_MS));
    const ageHours = Math.min(HOURS, nowHour - Math.floor(s.firstAt / HOUR_MS) + 1);
    // Recent rate: the busier of the last two hourly buckets.
    const bucket = (h: number): number => (nowHour - h < HOURS && h <= s.currentHour ? s.hours[h % HOURS] : 0);
    const recent = Math.max(bucket(nowHour), bucket(nowHour - 1));
    // Baseline: the account's own busiest earlier hour this week, floored by the population's 90th percentile, so a
    // customer whose nightly bulk job is routine is judged against that job, and a new account against its peers.
    let olderMax = 0;
    for (let h = nowHour - ageHours + 1; h <= nowHour - 2; h++) olderMax = Math.max(olderMax, bucket(h));
    const baseline = Math.max(olderMax, populationP90());
    const rateRatio = recent / Math.max(1, baseline);
    const rate = ramp(Math.log2(rateRatio), 1.5, 5) * ramp(recent, 60, 240);

    const n = Math.min(s.gapCount, GAPS);
    const cv = s.robustCv;
    const entropyNorm = s.gapEntropy;
    const regularity = support(n, 16, 48) * (0.5 * (1 - ramp(cv, 0.15, 0.7)) + 0.5 * (1 - ramp(entropyNorm, 0.3, 0.7)));

    const byHourOfDay = new Float64Array(24);
    let inWeek = 0;
    // Hour of day and ring slot advance with h (no division per hour: this runs for every scored account).
    const firstHour = nowHour - ageHours + 1;
    for (let h = firstHour, hourOfDay = ((firstHour % 24) + 24) % 24, slot = ((firstHour % HOURS) + HOURS) % HOURS; h <= nowHour; h++) {
      const c = nowHour - h < HOURS && h <= s.currentHour ? s.hours[slot] : 0;
      byHourOfDay[hourOfDay] += c;
      inWeek += c;
      hourOfDay = hourOfDay === 23 ? 0 : hourOfDay + 1;
      slot = slot === HOURS - 1 ? 0 : slot + 1;
    }
    let dayEntropy = 0;
    let activeHours = 0;
    for (const c of byHourOfDay) {
      if (c === 0) continue;
      activeHours += 1;
      dayEntropy -= (c / inWeek) * Math.log(c / inWeek);
    }
    const dayFlatness = dayEntropy / Math.log(24);
    const rhythmSupport = support(ageHours, 30, 48) * support(inWeek, 100, 300);
    const flat = rhythmSupport * ramp(dayFlatness, 0.9, 0.98);

    const pacing = regularity * (0.35 + 0.65 * flat);
    const value = anyOf(pacing, 0.6 * rate, 0.5 * flat);
    const reasons: [number, string][] = [];
    if (regularity > 0.3) {
      reasons.push([pacing, `scripted pacing: inter-arrival CV ${round(cv, 2)}, gap entropy ${round(entropyNorm, 2)} over ${n} gaps`]);
    }
    if (flat > 0.3) {
      reasons.push([0.5 * flat, `no daily rhythm: ${activeHours}/24 hours of day active, spread ${round(dayFlatness, 2)} over ${ageHours} h`]);
    }
    if (rate > 0.1) {
      reasons.push([0.6 * rate, `${recent} requests in an hour, ${round(rateRatio, 1)}× the expected ${round(baseline, 1)}/h`]);
    }
    reasons.sort((a, b) => b[0] - a[0]);
    return {
      score: value,
      reasons: reasons.map((r) => r[1]),
      features: {
        recentPerHour: recent,
        baselinePerHour: round(baseline, 2),
        rateRatio: round(rateRatio, 2),
        interArrivalCv: round(cv, 3),
        gapEntropy: round(entropyNorm, 3),
        dayFlatness: round(dayFlatness, 3),
        activeHoursOfDay: activeHours,
        regularity: round(regularity, 3),
        total: s.total,
      },
    };
  };

  /** Cluster view: hourly counts summed on a shared clock; the gap ring holds each member's newest gaps in turn. */
  const merge = (states: readonly VolumePacingState[]): VolumePacingState => {
    const out = create();
    const live = states.filter((st) => st.total > 0);
    if (live.length === 0) return out;
    out.currentHour = Math.max(...live.map((st) => st.currentHour));
    out.firstAt = Math.min(...live.map((st) => st.firstAt));
    out.lastAt = Math.max(...live.map((st) => st.lastAt));
    for (const st of live) {
      out.total += st.total;
      for (let h = out.currentHour - HOURS + 1; h <= out.currentHour; h++) {
        if (h <= st.currentHour && st.currentHour - h < HOURS) out.hours[h % HOURS] += st.hours[h % HOURS];
      }
    }
    for (let k = 1; out.gapCount < GAPS; k++) {
      let took = false;
      for (const st of live) {
        if (k > Math.min(st.gapCount, GAPS) || out.gapCount >= GAPS) continue;
        out.gaps[out.gapCount++] = st.gaps[(st.gapCount - k) % GAPS];
        took = true;
      }
      if (!took) break;
    }
    refreshPacing(out);
    return out;
  };

  return { name: 'volume-pacing', maxStateBytes: 2048, create, observe, score, merge };
}
