import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  compareOsVersion,
  compareVersions,
  formatVersion,
  isOsVersion,
  normaliseOsVersion,
  parseSysprepVersion,
} from '../../src/domain/version.js';

describe('parseSysprepVersion', () => {
  it.each([
    ['10.0.19041.3636', '10.0.19041.3636'],
    ['6, 1, 7600, 16385', '6.1.7600.16385'],
    ['6,1,7600,16385', '6.1.7600.16385'],
    ['10.0.28000.322 (WinBuild.160101.0800)', '10.0.28000.322'],
    ['10.0.28000.322(WinBuild.160101.0800)', '10.0.28000.322'],
    ['10.0.17763.1 built by: WinBuild', '10.0.17763.1'],
    ['9.00.7600.45000', '9.0.7600.45000'],
    ['10.0', '10.0.0.0'],
    ['6.3.9600', '6.3.9600.0'],
    ['  10.0.19041.1 \n', '10.0.19041.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['65535.65535.65535.65535', '65535.65535.65535.65535'],
  ])('accepts %j → %s', (input, expected) => {
    expect(parseSysprepVersion(input)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    '10',
    '10 (WinBuild)',
    'abc',
    'v10.0.19041.1',
    '10.0a.19041.1',
    '10.0.19041.1abc',
    '10.0.19041.',
    '10..0.1',
    '.10.0.1',
    '1.2.3.4.5',
    '10.0.65536.0',
    '-1.0.0.0',
    '10.-1.0.0',
    '6.1, 7600, 16385',
    '6, 1.7600.16385',
    '１０.０',
    '1' + '0'.repeat(130) + '.0',
    '10.0.19041.1 ' + 'x'.repeat(120),
  ])('refuses %j', (input) => {
    expect(parseSysprepVersion(input)).toBeNull();
  });
});

describe('compareVersions', () => {
  it('compares part by part as numbers, not as text', () => {
    expect(compareVersions('10.0.9600.0', '10.0.10240.0')).toBe(-1);
    expect(compareVersions('10.0.10240.0', '10.0.9600.0')).toBe(1);
    expect(compareVersions('10.0.19041.3636', '10.0.19041.3636')).toBe(0);
    expect(compareVersions('6.3.9600.0', '10.0.0.0')).toBe(-1);
    expect(compareVersions('10.0.14393.0', '10.0.14393.1')).toBe(-1);
  });
  it('treats missing parts as zero', () => {
    expect(compareVersions('10.0', '10.0.0.0')).toBe(0);
    expect(compareVersions('6.2', '6.1.7601.0')).toBe(1);
  });
});

describe('OS versions', () => {
  it.each(['6.1', '6.3.9600', '10.0.19045.3636', '10'])('recognises %s', (v) => {
    expect(isOsVersion(v)).toBe(true);
  });
  it.each(['', '10.0.19045.3636.1', 'Windows 10', '10.0 ', '10.', '99999.0'])('rejects %j', (v) => {
    expect(isOsVersion(v)).toBe(false);
  });
  it('normalises by padding', () => {
    expect(normaliseOsVersion('6.1')).toBe('6.1.0.0');
    expect(normaliseOsVersion(' 6.3.9600 ')).toBe('6.3.9600.0');
    expect(normaliseOsVersion('10.00.19045.3636')).toBe('10.0.19045.3636');
    expect(normaliseOsVersion('Windows')).toBeNull();
  });
  it('compares against a threshold', () => {
    expect(compareOsVersion('6.1', '6.2.0.0')).toBe(-1);
    expect(compareOsVersion('6.2', '6.2.0.0')).toBe(0);
    expect(compareOsVersion('6.3.9600', '6.2.0.0')).toBe(1);
    expect(compareOsVersion('10.0.14393', '10.0.14393.0')).toBe(0);
    expect(compareOsVersion('not a version', '6.2.0.0')).toBeNull();
  });
});

const part = fc.integer({ min: 0, max: 65535 });
const parts = fc.tuple(part, part, part, part);
const version = parts.map(formatVersion);

describe('properties', () => {
  it('parse(format(v)) = v, in dot and comma form, with leading zeros and a trailer', () => {
    fc.assert(
      fc.property(parts, fc.nat(3), fc.constantFrom('', ' (WinBuild.160101.0800)', ' x'), (p, zeros, trailer) => {
        const v = formatVersion(p);
        expect(parseSysprepVersion(v)).toBe(v);
        expect(parseSysprepVersion(p.join(', ') + trailer)).toBe(v);
        expect(parseSysprepVersion(p.map((n) => '0'.repeat(zeros) + n).join('.') + trailer)).toBe(v);
      }),
    );
  });

  it('comparison agrees with numeric tuple order and equality', () => {
    fc.assert(
      fc.property(parts, parts, (p, q) => {
        const i = p.findIndex((x, k) => x !== q[k]);
        const expected = i === -1 ? 0 : p[i] < q[i] ? -1 : 1;
        expect(compareVersions(formatVersion(p), formatVersion(q))).toBe(expected);
        expect(compareVersions(formatVersion(p), formatVersion(q)) === 0).toBe(formatVersion(p) === formatVersion(q));
      }),
    );
  });

  it('comparison is antisymmetric and reflexive', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareVersions(a, a)).toBe(0);
        expect(compareVersions(a, b)).toBe(-compareVersions(b, a) || 0);
      }),
    );
  });

  it('comparison is transitive', () => {
    // Small parts so that equal and near versions actually occur.
    const small = fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(formatVersion);
    fc.assert(
      fc.property(small, small, small, (a, b, c) => {
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) {
          expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
        }
        if (compareVersions(a, b) === 0 && compareVersions(b, c) === 0) {
          expect(compareVersions(a, c)).toBe(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary text and only returns normalised versions', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const v = parseSysprepVersion(s);
        if (v !== null) {
          expect(v).toMatch(/^(0|[1-9]\d{0,4})(\.(0|[1-9]\d{0,4})){3}$/);
          expect(parseSysprepVersion(v)).toBe(v);
        }
      }),
    );
  });
});
