// Windows package full names (`Name_Version_Architecture_ResourceId_PublisherId`), as
// Get-AppxPackage prints them. Used to validate appx_unprovisioned before it is stored.

export type PackageArchitecture = 'x86' | 'x64' | 'arm' | 'arm64' | 'neutral';

export interface PackageFullName {
  name: string;
  version: string;
  architecture: PackageArchitecture;
  /** Empty for most packages; `~` for bundles; e.g. `split.scale-100` for resource packs. */
  resourceId: string;
  publisherId: string;
}

export const MAX_PACKAGE_FULL_NAME_LENGTH = 255;

// Limits from the AppxManifest schema: ST_PackageName is 3..50 of [-.A-Za-z0-9],
// ST_ResourceId up to 30 of the same; `~` marks a bundle in a full name.
const NAME = /^[-.A-Za-z0-9]{3,50}$/;
const VERSION = /^(\d{1,5})\.(\d{1,5})\.(\d{1,5})\.(\d{1,5})$/;
const RESOURCE_ID = /^(?:~|[-.A-Za-z0-9]{1,30})?$/;
const PUBLISHER_ID = /^[a-z0-9]{13}$/;
const ARCHITECTURES: ReadonlySet<string> = new Set(['x86', 'x64', 'arm', 'arm64', 'neutral']);

/** Splits and validates a PackageFullName, e.g. `Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe`. */
export function parsePackageFullName(s: string): PackageFullName | null {
  if (typeof s !== 'string' || s.length > MAX_PACKAGE_FULL_NAME_LENGTH) return null;
  const fields = s.split('_');
  if (fields.length !== 5) return null;
  const [name, version, architecture, resourceId, publisherId] = fields;
  if (!NAME.test(name)) return null;
  const v = VERSION.exec(version);
  if (!v || v.slice(1).some((part) => Number(part) > 65535)) return null;
  if (!ARCHITECTURES.has(architecture)) return null;
  if (!RESOURCE_ID.test(resourceId)) return null;
  if (!PUBLISHER_ID.test(publisherId)) return null;
  return {
    name,
    version,
    architecture: architecture as PackageArchitecture,
    resourceId,
    publisherId,
  };
}
