// Types for pg-cluster.mjs (used from the TypeScript tests).
export function findPgBinDir(): string | null;
export function freePort(): Promise<number>;
export class PgClusterError extends Error {}

export interface PgCluster {
  readonly binDir: string;
  readonly dataDir: string;
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly running: boolean;
  stop(mode?: 'smart' | 'fast' | 'immediate'): void;
  start(): void;
  freeze(): void;
  thaw(): void;
  destroy(): void;
}

export function startPgCluster(opts?: { log?: (msg: string) => void; binDir?: string; maxConnections?: number }): Promise<PgCluster>;
