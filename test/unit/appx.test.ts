import { describe, it, expect } from 'vitest';
import { parsePackageFullName } from '../../src/domain/appx.js';

describe('parsePackageFullName', () => {
  it('splits a typical package full name with an empty resource id', () => {
    expect(parsePackageFullName('Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe')).toEqual({
      name: 'Microsoft.WindowsCalculator',
      version: '11.2210.0.0',
      architecture: 'x64',
      resourceId: '',
      publisherId: '8wekyb3d8bbwe',
    });
  });

  it.each([
    ['Microsoft.WindowsStore_22210.1401.6.0_neutral_~_8wekyb3d8bbwe', 'neutral', '~'],
    ['Microsoft.LanguageExperiencePackde-DE_19041.3.7.0_neutral__8wekyb3d8bbwe', 'neutral', ''],
    ['Microsoft.WindowsStore_12107.1001.15.0_neutral_split.scale-100_8wekyb3d8bbwe', 'neutral', 'split.scale-100'],
    ['Contoso.App_1.0.0.0_x86__abcdefghjkmnp', 'x86', ''],
    ['Contoso.App_1.0.0.0_arm__abcdefghjkmnp', 'arm', ''],
    ['Contoso.App_65535.0.0.0_arm64__abcdefghjkmnp', 'arm64', ''],
  ])('accepts %s', (full, architecture, resourceId) => {
    expect(parsePackageFullName(full)).toMatchObject({ architecture, resourceId });
  });

  it.each([
    '',
    'Microsoft.WindowsCalculator',
    'Microsoft.WindowsCalculator_11.2210.0.0_x64_8wekyb3d8bbwe',
    'Microsoft.WindowsCalculator_11.2210.0_x64__8wekyb3d8bbwe',
    'Microsoft.WindowsCalculator_11.2210.0.0.1_x64__8wekyb3d8bbwe',
    'Microsoft.WindowsCalculator_11.2210.0.70000_x64__8wekyb3d8bbwe',
    'Microsoft.WindowsCalculator_11.a.0.0_x64__8wekyb3d8bbwe',
    'Microsoft.WindowsCalculator_11.2210.0.0_amd64__8wekyb3d8bbwe',
    'Microsoft.WindowsCalculator_11.2210.0.0_X64__8wekyb3d8bbwe',
    'Microsoft.WindowsCalculator_11.2210.0.0_x64__8WEKYB3D8BBWE',
    'Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbw',
    'Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe1',
    'Ab_1.0.0.0_x64__8wekyb3d8bbwe',
    'A'.repeat(51) + '_1.0.0.0_x64__8wekyb3d8bbwe',
    'Bad Name_1.0.0.0_x64__8wekyb3d8bbwe',
    'Contoso.App_1.0.0.0_x64_' + 'r'.repeat(31) + '_8wekyb3d8bbwe',
    'Contoso.App_1.0.0.0_x64_a~b_8wekyb3d8bbwe',
    'Contoso_App_1.0.0.0_x64__8wekyb3d8bbwe',
  ])('refuses %j', (full) => {
    expect(parsePackageFullName(full)).toBeNull();
  });
});
