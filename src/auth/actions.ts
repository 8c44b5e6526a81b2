// IAM actions and which project role grants them (DESIGN §2.6).
import type { Role } from '../domain/types.js';

export const ACTIONS = {
  getSysprepVersion: 'workspace:desktops:getSysprepVersion',
  getSysprepInfo: 'workspace:desktops:getSysPrepInfo',
  listDesktops: 'workspace:desktops:list',
  getDesktop: 'workspace:desktops:get',
  reportSysprep: 'workspace:desktops:reportSysprep',
  manageDesktops: 'workspace:desktops:manage',
  manageUsers: 'iam:users:manage',
} as const;

export type Action = (typeof ACTIONS)[keyof typeof ACTIONS];

const GRANTS: Record<Role, ReadonlySet<Action>> = {
  admin: new Set(Object.values(ACTIONS)),
  viewer: new Set([ACTIONS.getSysprepVersion, ACTIONS.getSysprepInfo, ACTIONS.listDesktops, ACTIONS.getDesktop]),
  agent: new Set([ACTIONS.reportSysprep]),
};

export function rolesAllow(roles: readonly Role[], action: Action): boolean {
  for (const r of roles) if (GRANTS[r]?.has(action)) return true;
  return false;
}

/**
 * Whether a caller may manage another user's identity (their access keys): roles are
 * project-scoped, so only by holding iam:users:manage in every project where that user holds
 * any role — else an admin of project A could mint a key for an admin of project B and act
 * as admin in B. A user with no role anywhere is manageable by any admin of the account.
 * Both arguments are store role assignments (project id → roles).
 */
export function mayManageUser(caller: ReadonlyMap<string, readonly Role[]>, target: ReadonlyMap<string, readonly Role[]>): boolean {
  for (const [projectId, roles] of target) {
    if (roles.length > 0 && !rolesAllow(caller.get(projectId) ?? [], ACTIONS.manageUsers)) return false;
  }
  return true;
}

/** Names shown in token bodies, Huawei-style. */
export const ROLE_DISPLAY: Record<Role, { id: string; name: string }> = {
  admin: { id: 'a0000000000000000000000000000001', name: 'workspace_admin' },
  viewer: { id: 'a0000000000000000000000000000002', name: 'workspace_viewer' },
  agent: { id: 'a0000000000000000000000000000003', name: 'workspace_agent' },
};
