import type { Migration } from '../migrator.ts';
import { foundation } from './0001-foundation.ts';
import { jobs } from './0002-jobs.ts';
import { intakeEvidence } from './0003-intake-evidence.ts';
import { banks } from './0004-banks.ts';
import { fingerprintsMatches } from './0005-fingerprints-matches.ts';

/** Applied in this order; never edit one that has shipped, add a new one. */
export const migrations: readonly Migration[] = [foundation, jobs, intakeEvidence, banks, fingerprintsMatches];
