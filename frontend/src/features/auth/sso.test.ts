// Unit tests for reading the server's SSO option and building the link that starts it.
import { describe, expect, it } from 'vitest';
import { ssoHref, ssoOption } from './sso';

describe('ssoOption', () => {
  it('is null unless the server says SSO is enabled and where it starts', () => {
    expect(ssoOption({ sso: { enabled: false, start_url: null } })).toBeNull();
    expect(ssoOption({ sso: { enabled: true, start_url: null } })).toBeNull();
    expect(ssoOption({ sso: { enabled: 'yes', start_url: '/start' } })).toBeNull();
    expect(ssoOption({})).toBeNull();
    expect(ssoOption(null)).toBeNull();
  });

  it('names the provider when the server does, else says SSO', () => {
    expect(ssoOption({ sso: { enabled: true, start_url: '/start' } })).toEqual({ startUrl: '/start', label: 'SSO' });
    expect(ssoOption({ sso: { enabled: true, start_url: '/start', label: ' Okta ' } })).toEqual({ startUrl: '/start', label: 'Okta' });
  });
});

describe('ssoHref', () => {
  const option = { startUrl: '/api/v1/auth/oidc/start', label: 'SSO' };

  it('carries the page of the app to return to', () => {
    expect(ssoHref(option, '/app/models/acme/cubes/pl')).toBe('/api/v1/auth/oidc/start?next=%2Fapp%2Fmodels%2Facme%2Fcubes%2Fpl');
    expect(ssoHref({ ...option, startUrl: '/start?x=1' }, '/app')).toBe('/start?x=1&next=%2Fapp');
  });

  it('never carries a page outside the app', () => {
    expect(ssoHref(option, 'https://elsewhere.example/app')).toBe('/api/v1/auth/oidc/start');
    expect(ssoHref(option, '//elsewhere.example')).toBe('/api/v1/auth/oidc/start');
    expect(ssoHref(option, '/application')).toBe('/api/v1/auth/oidc/start');
  });
});
