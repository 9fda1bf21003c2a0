// Where the API is (config.json, written when the portal is deployed or served locally) and everything else
// from the API's public GET /portal-settings: the one place a portal learns the deployment's settings.

let settings = null;

export async function loadSettings() {
  if (settings) return settings;
  const config = await (await fetch('/config.json', {cache: 'no-store'})).json();
  const apiUrl = config.api_url.replace(/\/$/, '');
  const response = await fetch(`${apiUrl}/portal-settings`);
  if (!response.ok) throw new Error(`The payments service did not answer (${response.status}).`);
  settings = {...(await response.json()), api_url: apiUrl};
  return settings;
}

export function current() {
  return settings;
}
