/**
 * DAWN verification. The suspect is asked to label the account's watermark inputs and its control inputs. A hit is
 * a watermark input labelled with the keyed wrong label; an error is a control input labelled otherwise than the
 * service answered. Under the null (the suspect never saw the account's flipped answers) which inputs were selected
 * is a keyed coin independent of the suspect, so hits + errors are spread over the two sets like draws without
 * replacement: Fisher's exact test (one-sided hypergeometric tail) gives the p-value, with no assumed error rate.
 * It is conservative, since a hit (one particular wrong label) is never likelier than an error (any wrong label).
 */
import { logHypergeometricUpperTail } from '../proxy-stats.ts';

export interface DawnOutcome {
  role: 'watermark' | 'control';
  /** The label the service answered (the keyed wrong label for watermark inputs). */
  served: string;
  /** The suspect's label. */
  suspect: string;
}

export interface DawnScore {
  watermarkInputs: number;
  hits: number;
  controlInputs: number;
  controlErrors: number;
  pValue: number;
  log10PValue: number;
}

export function scoreDawn(outcomes: readonly DawnOutcome[]): DawnScore {
  const watermark = outcomes.filter((o) => o.role === 'watermark');
  const control = outcomes.filter((o) => o.role === 'control');
  const hits = watermark.filter((o) => o.suspect === o.served).length;
  const controlErrors = control.filter((o) => o.suspect !== o.served).length;
  const logP = logHypergeometricUpperTail(hits, outcomes.length, hits + controlErrors, watermark.length);
  return {
    watermarkInputs: watermark.length,
    hits,
    controlInputs: control.length,
    controlErrors,
    pValue: Math.exp(logP),
    log10PValue: logP / Math.LN10,
  };
}
