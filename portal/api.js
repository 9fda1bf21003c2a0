// The payments API: JSON over HTTPS with the ID token. Errors come back as ApiError with the contract's code.

import {current} from './config.js';
import {session, signOut} from './auth.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    Object.assign(this, {status, code});
  }
}

export async function api(method, path, body, headers = {}) {
  const s = session();
  if (!s) {
    signOut();
    window.dispatchEvent(new CustomEvent('portal:signed-out', {detail: 'Your session has ended. Please sign in again.'}));
    throw new ApiError(401, 'unauthorized', 'Please sign in again.');
  }
  let response;
  try {
    response = await fetch(current().api_url + path, {
      method,
      headers: {Authorization: `Bearer ${s.token}`, ...(body ? {'Content-Type': 'application/json'} : {}), ...headers},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new ApiError(0, 'network_error', 'We could not reach the payments service. Check your connection.');
  }
  if (response.status === 401) {
    signOut();
    window.dispatchEvent(new CustomEvent('portal:signed-out', {detail: 'Your session has ended. Please sign in again.'}));
    throw new ApiError(401, 'unauthorized', 'Please sign in again.');
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || 'error', error.message || `The payments service answered ${response.status}.`);
  }
  return data;
}

export const get = path => api('GET', path);
export const post = (path, body, headers) => api('POST', path, body || {}, headers);
export const patch = (path, body) => api('PATCH', path, body);
export const del = path => api('DELETE', path);
