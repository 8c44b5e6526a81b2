// Domain → wire translations shared by several route families.
import type { Desktop } from '../domain/types.js';

export const isoMs = (ms: number) => new Date(ms).toISOString();

export function desktopToWire(d: Desktop) {
  return {
    desktop_id: d.desktopId,
    computer_name: d.computerName,
    os_type: d.osType,
    os_version: d.osVersion,
    status: d.status,
    enterprise_project_id: d.enterpriseProjectId,
    tags: d.tags,
    created: isoMs(d.createdAt),
    // Where Huawei's ListDesktops/ShowDesktopDetail carry the OS (clients written for the cloud read it there).
    metadata: { os_type: d.osType, desktop_os_version: d.osVersion },
  };
}
