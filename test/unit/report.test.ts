import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseReportBody, parseRfc3339, reportToWire, REPORT_FIELDS } from '../../src/domain/report.js';
import { IMAGE_STATES } from '../../src/domain/types.js';

const NOW = Date.UTC(2026, 11, 3, 10, 0, 0); // 2026-12-03T10:00:00Z
const CALC = 'Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe';

const minimal = { collected_at: '2026-12-03T09:00:00Z', sysprep_version: '10.0.19041.3636' };

const full = {
  collected_at: '2026-12-03T17:30:00.1234567+08:00',
  sysprep_version: '10, 0, 19041, 3636',
  os_version: '10.0.19045.3636',
  os_edition: 'Professional',
  image_state: 'IMAGE_STATE_COMPLETE',
  rearm_remaining: 4294967295,
  skip_rearm: false,
  upgraded_in_place: false,
  appx_unprovisioned: [CALC],
  bitlocker_os_volume: 'suspended',
  generalize_count: 3,
  sysprep_succeeded_tag: true,
  pending_reboot: false,
  domain_joined: true,
  agent_version: '1.4.2',
};

function errorOf(body: unknown, now = NOW) {
  const result = parseReportBody(body, now);
  if (result.ok) throw new Error('expected an error');
  return result.error;
}

function reportOf(body: unknown, now = NOW) {
  const result = parseReportBody(body, now);
  if (!result.ok) throw new Error(`unexpected error: ${JSON.stringify(result.error)}`);
  return result.report;
}

describe('parseReportBody: shape', () => {
  it('accepts the two required fields alone', () => {
    expect(reportOf(minimal)).toEqual({ collectedAt: Date.UTC(2026, 11, 3, 9), sysprepVersion: '10.0.19041.3636' });
  });

  it('converts every field of a full report', () => {
    expect(reportOf(full)).toEqual({
      collectedAt: Date.UTC(2026, 11, 3, 9, 30, 0, 123),
      sysprepVersion: '10.0.19041.3636',
      osVersion: '10.0.19045.3636',
      osEdition: 'Professional',
      imageState: 'IMAGE_STATE_COMPLETE',
      rearmRemaining: 4294967295,
      skipRearm: false,
      upgradedInPlace: false,
      appxUnprovisioned: [CALC],
      bitlockerOsVolume: 'suspended',
      generalizeCount: 3,
      sysprepSucceededTag: true,
      pendingReboot: false,
      domainJoined: true,
      agentVersion: '1.4.2',
    });
  });

  it.each([null, [], 'x', 3, true])('refuses a body that is not an object: %j', (body) => {
    expect(errorOf(body)).toEqual({ field: 'body', message: 'The request body must be a JSON object.' });
  });

  it('refuses unknown fields, naming them', () => {
    expect(errorOf({ ...minimal, sysprep_verison: '1.0' })).toEqual({
      field: 'sysprep_verison',
      message: 'sysprep_verison is an unknown field.',
    });
    expect(errorOf(JSON.parse('{"__proto__": {}, "collected_at": "2026-12-03T09:00:00Z"}')).field).toBe('__proto__');
  });

  it('treats null as absent for optional fields and as missing for required ones', () => {
    const nulls = Object.fromEntries(REPORT_FIELDS.map((f) => [f, null]));
    expect(reportOf({ ...nulls, ...minimal })).toEqual(reportOf(minimal));
    expect(errorOf({ ...minimal, collected_at: null })).toEqual({ field: 'collected_at', message: 'collected_at is required.' });
    expect(errorOf({ collected_at: minimal.collected_at })).toEqual({
      field: 'sysprep_version',
      message: 'sysprep_version is required.',
    });
  });

  it('reports the first error in table order', () => {
    expect(errorOf({ sysprep_version: 'x', os_edition: 5 }).field).toBe('collected_at');
    expect(errorOf({ ...minimal, agent_version: 5, os_edition: 5, pending_reboot: 'yes' }).field).toBe('os_edition');
  });
});

describe('parseReportBody: collected_at', () => {
  it.each([
    ['2026-12-03T10:00:00Z', Date.UTC(2026, 11, 3, 10)],
    ['2026-12-03t10:00:00z', Date.UTC(2026, 11, 3, 10)],
    ['2026-12-03T18:00:00+08:00', Date.UTC(2026, 11, 3, 10)],
    ['2026-12-03T04:30:00-05:30', Date.UTC(2026, 11, 3, 10)],
    ['2026-12-03T10:00:00-00:00', Date.UTC(2026, 11, 3, 10)],
    ['2026-12-03T10:00:00.5Z', Date.UTC(2026, 11, 3, 10, 0, 0, 500)],
    ['2026-12-03T10:00:00.1239999Z', Date.UTC(2026, 11, 3, 10, 0, 0, 123)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T23:59:59Z', Date.UTC(2000, 1, 29, 23, 59, 59)],
    ['0001-01-01T00:00:00Z', -62135596800000],
    ['1969-12-31T23:59:59.999Z', -1],
  ])('parses %s', (text, ms) => {
    expect(parseRfc3339(text)).toBe(ms);
  });

  it.each([
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-12-00T00:00:00Z',
    '2026-12-03T24:00:00Z',
    '2026-12-03T10:60:00Z',
    '2026-12-03T10:00:60Z',
    '2026-12-03T10:00:00',
    '2026-12-03 10:00:00Z',
    '2026-12-03T10:00:00.Z',
    '2026-12-03T10:00:00.12345678Z',
    '2026-12-03T10:00:00+0800',
    '2026-12-03T10:00:00+24:00',
    '2026-12-03T10:00:00+08:60',
    '2026-12-03',
    '26-12-03T10:00:00Z',
  ])('refuses %s', (text) => {
    expect(parseRfc3339(text)).toBeNull();
    expect(errorOf({ ...minimal, collected_at: text })).toEqual({
      field: 'collected_at',
      message: 'collected_at must be an RFC 3339 date-time.',
    });
  });

  it('refuses a non-string', () => {
    expect(errorOf({ ...minimal, collected_at: NOW }).field).toBe('collected_at');
  });

  it('allows up to 5 minutes of clock skew into the future', () => {
    expect(reportOf({ ...minimal, collected_at: '2026-12-03T10:05:00Z' }).collectedAt).toBe(NOW + 300_000);
    expect(errorOf({ ...minimal, collected_at: '2026-12-03T10:05:00.001Z' })).toEqual({
      field: 'collected_at',
      message: 'collected_at must not be more than 5 minutes in the future.',
    });
  });
});

describe('parseReportBody: facts', () => {
  it('normalises sysprep_version and refuses garbage', () => {
    expect(reportOf({ ...minimal, sysprep_version: '10.0.28000.322 (WinBuild.160101.0800)' }).sysprepVersion).toBe(
      '10.0.28000.322',
    );
    for (const bad of ['garbage', '', 10, ['10.0']]) {
      expect(errorOf({ ...minimal, sysprep_version: bad })).toEqual({
        field: 'sysprep_version',
        message: 'sysprep_version must be a file version like 10.0.19041.3636.',
      });
    }
  });

  it.each(['os_version', 'os_edition', 'agent_version', 'image_state'])('%s is a string of at most 64 characters', (field) => {
    expect(errorOf({ ...minimal, [field]: 'x'.repeat(65) }).field).toBe(field);
    expect(errorOf({ ...minimal, [field]: 7 }).field).toBe(field);
    expect(errorOf({ ...minimal, [field]: 'a\u0000b' }).field).toBe(field);
    expect(parseReportBody({ ...minimal, [field]: 'x'.repeat(64) }, NOW).ok).toBe(true);
    // 64 characters outside the BMP are 128 UTF-16 units: still 64 characters.
    expect(parseReportBody({ ...minimal, [field]: '😀'.repeat(64) }, NOW).ok).toBe(true);
    expect(errorOf({ ...minimal, [field]: '😀'.repeat(65) }).field).toBe(field);
  });

  it('keeps the six image states and stores other text as unknown', () => {
    for (const state of IMAGE_STATES) expect(reportOf({ ...minimal, image_state: state }).imageState).toBe(state);
    expect(reportOf({ ...minimal, image_state: 'image_state_complete' }).imageState).toBe('IMAGE_STATE_UNKNOWN');
    expect(reportOf({ ...minimal, image_state: '' }).imageState).toBe('IMAGE_STATE_UNKNOWN');
  });

  it('checks integer ranges', () => {
    expect(reportOf({ ...minimal, rearm_remaining: 0 }).rearmRemaining).toBe(0);
    expect(reportOf({ ...minimal, rearm_remaining: 4294967295 }).rearmRemaining).toBe(4294967295);
    for (const bad of [-1, 4294967296, 1.5, '3', true]) {
      expect(errorOf({ ...minimal, rearm_remaining: bad })).toEqual({
        field: 'rearm_remaining',
        message: 'rearm_remaining must be an integer from 0 to 4294967295.',
      });
    }
    expect(reportOf({ ...minimal, generalize_count: 1_000_000 }).generalizeCount).toBe(1_000_000);
    for (const bad of [-1, 1_000_001, 2.5, '1']) {
      expect(errorOf({ ...minimal, generalize_count: bad }).field).toBe('generalize_count');
    }
  });

  it.each(['skip_rearm', 'upgraded_in_place', 'sysprep_succeeded_tag', 'pending_reboot', 'domain_joined'])(
    '%s is a boolean',
    (field) => {
      expect(parseReportBody({ ...minimal, [field]: true }, NOW).ok).toBe(true);
      expect(errorOf({ ...minimal, [field]: 'true' })).toEqual({ field, message: `${field} must be a boolean.` });
      expect(errorOf({ ...minimal, [field]: 1 }).field).toBe(field);
    },
  );

  it('checks bitlocker_os_volume', () => {
    for (const state of ['off', 'on', 'suspended', 'unknown']) {
      expect(reportOf({ ...minimal, bitlocker_os_volume: state }).bitlockerOsVolume).toBe(state);
    }
    for (const bad of ['ON', 'encrypted', true]) {
      expect(errorOf({ ...minimal, bitlocker_os_volume: bad }).field).toBe('bitlocker_os_volume');
    }
  });

  it('checks appx_unprovisioned', () => {
    expect(reportOf({ ...minimal, appx_unprovisioned: [] }).appxUnprovisioned).toEqual([]);
    expect(reportOf({ ...minimal, appx_unprovisioned: Array(1000).fill(CALC) }).appxUnprovisioned).toHaveLength(1000);
    expect(errorOf({ ...minimal, appx_unprovisioned: Array(1001).fill(CALC) }).field).toBe('appx_unprovisioned');
    expect(errorOf({ ...minimal, appx_unprovisioned: CALC }).field).toBe('appx_unprovisioned');
    expect(errorOf({ ...minimal, appx_unprovisioned: [CALC, 'Microsoft.WindowsCalculator'] })).toEqual({
      field: 'appx_unprovisioned[1]',
      message: 'appx_unprovisioned items must be package full names like Name_1.0.0.0_x64__8wekyb3d8bbwe.',
    });
    expect(errorOf({ ...minimal, appx_unprovisioned: [5] }).field).toBe('appx_unprovisioned[0]');
    expect(errorOf({ ...minimal, appx_unprovisioned: ['x'.repeat(256)] }).field).toBe('appx_unprovisioned[0]');
  });
});

describe('reportToWire', () => {
  it('writes snake_case with collected_at in UTC with milliseconds, omitting absent facts', () => {
    expect(reportToWire(reportOf(minimal))).toEqual({
      collected_at: '2026-12-03T09:00:00.000Z',
      sysprep_version: '10.0.19041.3636',
    });
    const wire = reportToWire(reportOf(full));
    expect(wire.collected_at).toBe('2026-12-03T09:30:00.123Z');
    expect(Object.keys(wire)).toEqual([...REPORT_FIELDS]);
  });

  it('does not send receivedAt, which is not a reported fact', () => {
    expect(reportToWire({ ...reportOf(minimal), receivedAt: NOW })).not.toHaveProperty('received_at');
  });

  it('round-trips through parseReportBody', () => {
    const optional = {
      os_version: fc.constantFrom('10.0.19045.3636', '6.1.7601', 'Windows 7'),
      os_edition: fc.string({ maxLength: 64 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
      image_state: fc.constantFrom(...IMAGE_STATES, 'IMAGE_STATE_UNKNOWN'),
      rearm_remaining: fc.integer({ min: 0, max: 4294967295 }),
      skip_rearm: fc.boolean(),
      upgraded_in_place: fc.boolean(),
      appx_unprovisioned: fc.array(fc.constant(CALC), { maxLength: 3 }),
      bitlocker_os_volume: fc.constantFrom('off', 'on', 'suspended', 'unknown'),
      generalize_count: fc.integer({ min: 0, max: 1_000_000 }),
      sysprep_succeeded_tag: fc.boolean(),
      pending_reboot: fc.boolean(),
      domain_joined: fc.boolean(),
      agent_version: fc.constantFrom('1.0.0', ''),
    };
    const body = fc.record(
      {
        collected_at: fc.integer({ min: 0, max: NOW }).map((ms) => new Date(ms).toISOString()),
        sysprep_version: fc.constantFrom('10.0.19041.3636', '6.1.7600.16385'),
        ...optional,
      },
      { requiredKeys: ['collected_at', 'sysprep_version'] },
    );
    fc.assert(
      fc.property(body, (b) => {
        const report = reportOf(b);
        expect(reportToWire(report)).toEqual(b);
        expect(reportOf(reportToWire(report))).toEqual(report);
      }),
    );
  });
});
