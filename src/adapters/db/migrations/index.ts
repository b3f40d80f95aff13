import type { Migration } from '../migrator.ts';
import { foundation } from './0001-foundation.ts';
import { jobs } from './0002-jobs.ts';
import { intakeEvidence } from './0003-intake-evidence.ts';
import { banks } from './0004-banks.ts';
import { fingerprintsMatches } from './0005-fingerprints-matches.ts';
import { videoFingerprints } from './0006-video-fingerprints.ts';
import { hmaContent } from './0007-hma-content.ts';
import { exchange } from './0008-exchange.ts';
import { outlets } from './0009-outlets.ts';
import { review } from './0010-review.ts';
import { providersDispatch } from './0011-providers-dispatch.ts';
import { orders } from './0012-orders.ts';
import { referralsComplaints } from './0013-referrals-complaints.ts';

/** Applied in this order; never edit one that has shipped, add a new one. */
export const migrations: readonly Migration[] = [foundation, jobs, intakeEvidence, banks, fingerprintsMatches, videoFingerprints, hmaContent, exchange, outlets, review, providersDispatch, orders, referralsComplaints];
