import { describe, expect, it } from 'vitest';
import { isGatehouseError } from '../src/errors.ts';
import { parseUserProfile } from '../src/user-profile.ts';

function refusal(input: unknown): string {
  try {
    parseUserProfile(input);
  } catch (error) {
    if (isGatehouseError(error) && error.code === 'invalid_request') return error.detail ?? '';
    throw error;
  }
  throw new Error('accepted');
}

describe('parseUserProfile', () => {
  it('accepts the OpenID Connect standard claims in their shapes', () => {
    const profile = {
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      middle_name: 'King',
      nickname: 'ada',
      preferred_username: 'ada.l',
      profile: 'https://example.test/ada',
      picture: 'https://example.test/ada.png',
      website: 'https://ada.example.test/',
      gender: 'female',
      birthdate: '1815-12-10',
      zoneinfo: 'Europe/London',
      locale: 'en-GB',
      phone_number: '+442071234567;ext=42',
      phone_number_verified: false,
      address: { formatted: '12 St James Square\nLondon', locality: 'London', country: 'GB' },
    };
    expect(parseUserProfile(profile)).toEqual(profile);
    expect(parseUserProfile({ birthdate: '0000-03-22' }).birthdate).toBe('0000-03-22');
    expect(parseUserProfile({ birthdate: '1990' }).birthdate).toBe('1990');
  });

  it('drops empty and null claims, and an address left empty', () => {
    expect(parseUserProfile({ name: '', nickname: null, address: { locality: '' } })).toEqual({});
  });

  it.each([
    [[], 'JSON object'],
    [{ email: 'a@b.test' }, 'Unknown profile claim: email'],
    [{ sub: 'someone-else' }, 'Unknown profile claim: sub'],
    [{ name: 42 }, 'name must be text'],
    [{ name: 'x'.repeat(201) }, 'name must be text'],
    [{ given_name: 'Ada\u0000' }, 'given_name must be text'],
    [{ website: 'http://plain.example.test' }, 'website must be an https URL'],
    [{ picture: 'javascript:alert(1)' }, 'picture must be an https URL'],
    [{ profile: 'https://user:pw@example.test' }, 'profile must be an https URL'],
    [{ birthdate: '10/12/1815' }, 'birthdate must be'],
    [{ zoneinfo: 'Mars/Olympus_Mons' }, 'zoneinfo must be'],
    [{ locale: 'english please' }, 'locale must be'],
    [{ phone_number: '020 7123 4567' }, 'phone_number must be E.164'],
    [{ phone_number_verified: 'yes', phone_number: '+15551234567' }, 'phone_number_verified must be'],
    [{ phone_number_verified: true }, 'needs a phone_number'],
    [{ address: 'London' }, 'address must be an object'],
    [{ address: { planet: 'Earth' } }, 'Unknown address member: planet'],
    [{ address: { locality: 'Lon\ndon' } }, 'address.locality must be text'],
  ])('refuses %j, naming the claim (%s) and never echoing its value', (input, expected) => {
    const detail = refusal(input);
    expect(detail).toContain(expected);
    for (const value of Object.values(input as Record<string, unknown>))
      if (typeof value === 'string' && value.length > 3) expect(detail).not.toContain(value);
  });
});
