// Domain types shared by the policy, the store and the API. No I/O, no HTTP here.

export type OsType = 'Windows' | 'Linux';
export type DesktopStatus = 'ACTIVE' | 'SHUTOFF' | 'ERROR';

export interface Tag {
  key: string;
  value: string;
}

/** A desktop of the inventory. Times are epoch milliseconds (UTC). */
export interface Desktop {
  projectId: string;
  desktopId: string;
  computerName: string;
  osType: OsType;
  osVersion: string;
  status: DesktopStatus;
  enterpriseProjectId: string;
  tags: Tag[];
  createdAt: number;
  updatedAt: number;
}

/** What an admin registers; timestamps are set by the store. */
export type DesktopInput = Omit<Desktop, 'projectId' | 'createdAt' | 'updatedAt'>;

export const IMAGE_STATES = [
  'IMAGE_STATE_COMPLETE',
  'IMAGE_STATE_UNDEPLOYABLE',
  'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE',
  'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT',
  'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE',
  'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT',
] as const;
/** Any reported text outside IMAGE_STATES is stored as IMAGE_STATE_UNKNOWN, never as complete. */
export type ImageState = (typeof IMAGE_STATES)[number] | 'IMAGE_STATE_UNKNOWN';

export type BitlockerState = 'off' | 'on' | 'suspended' | 'unknown';

/** rearm_remaining value meaning "not applicable" (SkipRearm / volume licensing), not a large count. */
export const REARM_NOT_APPLICABLE = 4294967295;

/**
 * The latest facts an in-desktop agent measured. Only collectedAt and sysprepVersion are
 * required; an absent fact is undefined and never blocks a verdict.
 */
export interface SysprepReport {
  collectedAt: number;
  /** Normalised four-part numeric version, e.g. 10.0.19041.3636. */
  sysprepVersion: string;
  osVersion?: string;
  osEdition?: string;
  imageState?: ImageState;
  rearmRemaining?: number;
  skipRearm?: boolean;
  upgradedInPlace?: boolean;
  appxUnprovisioned?: string[];
  bitlockerOsVolume?: BitlockerState;
  generalizeCount?: number;
  sysprepSucceededTag?: boolean;
  pendingReboot?: boolean;
  domainJoined?: boolean;
  agentVersion?: string;
  /** When the store received it (epoch ms). */
  receivedAt?: number;
}

export interface DesktopWithReport {
  desktop: Desktop;
  report: SysprepReport | null;
}

/** What the verdict reads of the inventory; the rest of a desktop never changes an answer. */
export type VerdictDesktop = Pick<Desktop, 'osType' | 'status'>;

/** Everything a verdict needs about one desktop. */
export interface VerdictInputs {
  desktop: VerdictDesktop;
  report: SysprepReport | null;
}

export type Role = 'admin' | 'viewer' | 'agent';
export const ROLES: readonly Role[] = ['admin', 'viewer', 'agent'];
