// The payments API: JSON over HTTPS with the ID token. Errors come back as ApiError with the contract's code and
// a message in the client's words (words.js), never the API's own sentence.

import {current} from './config.js';
import {session, signOut} from './auth.js';
import {errorText} from './words.js';

export class ApiError extends Error {
  constructor(status, code, details = {}) {
    const err = {code, attemptsRemaining: details.attempts_remaining, retryAfterSeconds: details.retry_after_seconds};
    super(errorText(err));
    Object.assign(this, {status, code, details}, err);
  }
}

export async function api(method, path, body, headers = {}) {
  const s = session();
  if (!s) {
    signOut();
    window.dispatchEvent(new CustomEvent('portal:signed-out', {detail: 'Your session has ended. Please sign in again.'}));
    throw new ApiError(401, 'unauthorized');
  }
  let response;
  try {
    response = await fetch(current().api_url + path, {
      method,
      headers: {Authorization: `Bearer ${s.token}`, ...(body ? {'Content-Type': 'application/json'} : {}), ...headers},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new ApiError(0, 'network_error');
  }
  if (response.status === 401) {
    signOut();
    window.dispatchEvent(new CustomEvent('portal:signed-out', {detail: 'Your session has ended. Please sign in again.'}));
    throw new ApiError(401, 'unauthorized');
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || `http_${response.status}`, error);
  }
  return data;
}

// A file the API makes (an invoice or receipt PDF), fetched with the ID token and saved under `filename`.
export async function download(path, filename) {
  const s = session();
  if (!s) throw new ApiError(401, 'unauthorized');
  let response;
  try {
    response = await fetch(current().api_url + path, {headers: {Authorization: `Bearer ${s.token}`}});
  } catch (err) {
    throw new ApiError(0, 'network_error');
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError(response.status, ((data && data.error) || {}).code || `http_${response.status}`, (data && data.error) || {});
  }
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export const get = path => api('GET', path);
export const post = (path, body, headers) => api('POST', path, body || {}, headers);
export const patch = (path, body) => api('PATCH', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = path => api('DELETE', path);
