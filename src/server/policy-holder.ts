// The verdict policy in force. Loaded from --policy-file and reloaded when the file changes;
// a broken file is refused with a log line and the previous policy stays.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { ConfigError } from '../config.js';
import { DEFAULT_POLICY, parsePolicy, policyToFile, type Policy } from '../domain/policy.js';

export interface PolicyLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class PolicyHolder {
  current: Policy;
  private watching = false;

  constructor(
    private readonly file: string | null,
    private readonly log?: PolicyLog,
  ) {
    // At start a broken file is fatal: better to refuse to start than to run on a guess.
    this.current = file ? PolicyHolder.read(file) : { ...DEFAULT_POLICY };
    if (file) this.log?.info({ file, policy: policyToFile(this.current) }, 'policy in force');
  }

  /** The policy of `file`; a ConfigError naming the file and the reason when it is broken. */
  static read(file: string): Policy {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`policy file ${file}: ${(err as Error).message}`);
    }
    try {
      return parsePolicy(json);
    } catch (err) {
      throw new ConfigError(`policy file ${file}: ${(err as Error).message}`);
    }
  }

  /** Re-reads the file; keeps the previous policy when the new one is broken. */
  reload(): boolean {
    if (!this.file) return false;
    try {
      this.current = PolicyHolder.read(this.file);
      this.log?.info({ file: this.file, policy: policyToFile(this.current) }, 'policy reloaded');
      return true;
    } catch (err) {
      this.log?.error({ file: this.file, err: (err as Error).message }, `policy file refused; the previous policy stays in force: ${(err as Error).message}`);
      return false;
    }
  }

  /** Polls the file (robust to editors that replace it by rename). */
  watch(intervalMs = 500) {
    if (!this.file || this.watching) return;
    this.watching = true;
    watchFile(this.file, { interval: intervalMs, persistent: false }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) this.reload();
    });
  }

  stop() {
    if (this.file && this.watching) unwatchFile(this.file);
    this.watching = false;
  }
}
