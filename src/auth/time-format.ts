/** UTC ISO-8601 with microseconds, as Huawei IAM writes token times: 2026-12-03T10:00:00.123000Z */
export function isoMicro(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}
