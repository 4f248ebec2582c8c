import type { Approach } from '../model/pipeline.js';
import { APPROACHES } from '../model/pipeline.js';
import type { ApproachDefinition } from './approach-definition.js';
import { cmApproach } from './cm.js';
import { crdApproach } from './crd.js';
import { hybridApproach } from './hybrid.js';
import { stageApproach } from './stage.js';

/** Every approach, keyed so that adding one to APPROACHES fails to compile until it is here. */
export const APPROACH_DEFINITIONS: Record<Approach, ApproachDefinition> = {
  HYBRID: hybridApproach,
  CRD: crdApproach,
  STAGE: stageApproach,
  CM: cmApproach,
};

export const allApproaches = (): ApproachDefinition[] => APPROACHES.map((a) => APPROACH_DEFINITIONS[a]);
