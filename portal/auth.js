// Sign-in against the merchant's Cognito user pool (InitiateAuth, USER_PASSWORD_AUTH), as AWS's SDKs do it:
// one unsigned JSON call. The ID token is kept for this browser tab only (sessionStorage).

import {current} from './config.js';

const KEY = 'portal.session';

export class SignInError extends Error {}

export async function signIn(email, password) {
  const s = current();
  let response;
  try {
    response = await fetch(s.identity_endpoint, {
      method: 'POST',
      headers: {'Content-Type': 'application/x-amz-json-1.1',
                'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth'},
      body: JSON.stringify({AuthFlow: 'USER_PASSWORD_AUTH', ClientId: s.user_pool_client_id,
                            AuthParameters: {USERNAME: email, PASSWORD: password}}),
    });
  } catch (err) {
    throw new SignInError('We could not reach the sign-in service. Check your connection and try again.');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const type = String(body.__type || '');
    if (type.includes('NotAuthorized') || type.includes('UserNotFound')) throw new SignInError('Incorrect email or password.');
    if (type.includes('PasswordResetRequired')) throw new SignInError('You need to reset your password: contact us.');
    throw new SignInError(body.message || 'Sign-in failed. Try again in a minute.');
  }
  if (!body.AuthenticationResult) throw new SignInError('Your account needs a step this portal does not support yet: contact us.');
  const token = body.AuthenticationResult.IdToken;
  const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  const session = {token, email: claims.email || email, expires: claims.exp * 1000};
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function session() {
  const stored = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  if (!stored || stored.expires < Date.now() + 30000) return null;
  return stored;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}
