// Sign-in against the merchant's Cognito user pool, as AWS's SDKs do it: unsigned JSON calls to the pool's
// endpoint. InitiateAuth (USER_PASSWORD_AUTH); an invited client's first sign-in answers the
// NEW_PASSWORD_REQUIRED challenge (RespondToAuthChallenge with the new password); "Forgot password?" is
// ForgotPassword (Cognito emails a code) then ConfirmForgotPassword. The ID token is kept for this tab only.

import {current} from './config.js';
import {contactSentence} from './words.js';

const KEY = 'portal.session';

export class SignInError extends Error {
  constructor(message, type = '') {
    super(message);
    this.type = type;
  }
}

async function cognito(action, body) {
  const s = current();
  let response;
  try {
    response = await fetch(s.identity_endpoint, {
      method: 'POST',
      headers: {'Content-Type': 'application/x-amz-json-1.1',
                'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}`},
      body: JSON.stringify({ClientId: s.user_pool_client_id, ...body}),
    });
  } catch (err) {
    throw new SignInError('We could not reach the sign-in service. Check your connection and try again.', 'network');
  }
  const data = await response.json().catch(() => ({}));
  if (response.ok) return data;
  const type = String(data.__type || '').split('#').pop();
  throw new SignInError(WORDS[type] ? WORDS[type]() : `Sign-in failed. Try again in a minute. ${contactSentence()}`.trim(), type);
}

// Cognito's error types in a client's words (each action maps the ones that mean something else for it).
const WORDS = {
  NotAuthorizedException: () => 'Incorrect email or password.',
  UserNotFoundException: () => 'Incorrect email or password.',
  PasswordResetRequiredException: () => 'You need to choose a new password: use "Forgot password?" below.',
  InvalidPasswordException: () => 'That password does not follow the rules above.',
  CodeMismatchException: () => 'That code is not right. Check the latest email we sent and try again.',
  ExpiredCodeException: () => 'That code has expired. Ask for a new one.',
  LimitExceededException: () => 'Too many attempts. Wait a few minutes and try again.',
  TooManyRequestsException: () => 'Too many attempts. Wait a few minutes and try again.',
  TooManyFailedAttemptsException: () => 'Too many attempts. Wait a few minutes and try again.',
  UserNotConfirmedException: () => `Your account is not ready yet. ${contactSentence()}`,
};

function keep(result, email) {
  const token = result.IdToken;
  const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  // The merchant's staff have no client of their own: they see the console (the API checks the admin group).
  const session = {token, email: claims.email || email, expires: claims.exp * 1000, admin: !claims['custom:client_id']};
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

// A session, or {challenge: 'NEW_PASSWORD_REQUIRED', ...} for an invited client's first sign-in.
export async function signIn(email, password) {
  const body = await cognito('InitiateAuth', {AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: {USERNAME: email, PASSWORD: password}});
  if (body.AuthenticationResult) return keep(body.AuthenticationResult, email);
  if (body.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
    const params = body.ChallengeParameters || {};
    return {challenge: body.ChallengeName, session: body.Session, email,
            username: params.USER_ID_FOR_SRP || params.USERNAME || email};
  }
  throw new SignInError(`Your account needs a step this portal cannot do. ${contactSentence()}`.trim(), body.ChallengeName);
}

// The invited client's own password, replacing the temporary one; then signed in.
export async function setNewPassword(challenge, password) {
  let body;
  try {
    body = await cognito('RespondToAuthChallenge', {ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.session,
      ChallengeResponses: {USERNAME: challenge.username, NEW_PASSWORD: password}});
  } catch (err) {
    // The challenge's session lasts a few minutes (Cognito: 3 by default).
    if (err.type === 'NotAuthorizedException') throw new SignInError('This took too long. Sign in again with your temporary password.', err.type);
    throw err;
  }
  if (!body.AuthenticationResult) throw new SignInError(`Your account needs a step this portal cannot do. ${contactSentence()}`.trim());
  return keep(body.AuthenticationResult, challenge.email);
}

// Cognito emails a code (to the account's email, whatever the answer: it never says whether an account exists).
export async function requestReset(email) {
  try {
    await cognito('ForgotPassword', {Username: email});
  } catch (err) {
    if (err.type === 'NotAuthorizedException') {
      throw new SignInError('Your account is not activated yet: sign in with the temporary password from your invitation email.', err.type);
    }
    throw err;
  }
}

export async function confirmReset(email, code, password) {
  await cognito('ConfirmForgotPassword', {Username: email, ConfirmationCode: code, Password: password});
}

// Cognito's password rules (the pool's policy, from GET /portal-settings) as a list of checks.
export function passwordRules() {
  const p = current().password_policy || {};
  return [
    [`At least ${p.minimum_length || 8} characters`, v => v.length >= (p.minimum_length || 8)],
    p.require_lowercase ? ['A lowercase letter', v => /[a-z]/.test(v)] : null,
    p.require_uppercase ? ['An uppercase letter', v => /[A-Z]/.test(v)] : null,
    p.require_numbers ? ['A number', v => /[0-9]/.test(v)] : null,
    p.require_symbols ? ['A symbol, such as ! or %', v => /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/.test(v)] : null,
  ].filter(Boolean);
}

export function session() {
  const stored = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  if (!stored || stored.expires < Date.now() + 30000) return null;
  return stored;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}
