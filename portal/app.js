// The reference Client Portal: a single page, one ES module per screen, no build step.

import {loadSettings, current} from './config.js';
import {session, signOut} from './auth.js';
import {h, fill, announce} from './dom.js';
import {contactBlock} from './contact.js';
import {navigate, onNavigate} from './router.js';
import {signInPage, forgotPage} from './views/signin.js';
import {invoicesPage} from './views/invoices.js';
import {invoicePage} from './views/invoice.js';
import {historyPage} from './views/history.js';
import {accountPage} from './views/account.js';
import {CONSOLE_ROUTES, CONSOLE_LINKS} from './console/routes.js';

const app = document.getElementById('app');
const ROUTES = [
  [/^\/invoices\/([^/]+)$/, invoicePage, 'Invoices'],
  [/^\/(invoices)?\/?$/, invoicesPage, 'Invoices'],
  [/^\/payments\/?$/, historyPage, 'Payment history'],
  [/^\/account\/?$/, accountPage, 'Account Settings'],
];
let notice = null;


function link(path, text, active) {
  return h('a', {href: path, 'aria-current': active ? 'page' : null,
                 onclick: event => { event.preventDefault(); navigate(path); }}, text);
}

function signedIn() {
  const target = sessionStorage.getItem('portal.after') || '/invoices';
  sessionStorage.removeItem('portal.after');
  navigate(target, {replace: true});
}

async function render() {
  const s = session();
  const path = location.pathname;
  if (!s) {
    if (path === '/forgot-password') return forgotPage(app, '', signedIn);
    if (path !== '/' && path !== '/signin') sessionStorage.setItem('portal.after', path + location.hash);  // a link's #confirm_email too
    if (path !== '/signin') history.replaceState({}, '', '/signin');
    signInPage(app, {message: notice, onSignedIn: signedIn});
    notice = null;
    return;
  }
  // The merchant's staff see the console, under /console; a client never does (and the API answers them 403).
  const admin = Boolean(s.admin);  // a session kept before the console existed has no flag: a client's
  const routes = admin ? CONSOLE_ROUTES : ROUTES;
  const home = admin ? '/console' : '/invoices';
  if (['/signin', '/', '/forgot-password'].includes(path) || admin !== path.startsWith('/console')) {
    history.replaceState({}, '', home);
  }
  const [pattern, page, section] = routes.find(([re]) => re.test(location.pathname)) || routes[routes.length - 1];
  const params = (location.pathname.match(pattern) || []).slice(1);
  const main = h('main', {id: 'main', tabindex: '-1'}, h('p', {class: 'loading'}, 'Loading…'));
  const links = admin ? CONSOLE_LINKS : [['/invoices', 'Invoices'], ['/payments', 'Payment history'], ['/account', 'Account Settings']];
  const nav = h('nav', {'aria-label': admin ? 'Console' : 'Portal'},
    links.map(([href, text]) => link(href, text, section === text)),
    h('button', {type: 'button', onclick: () => { signOut(); notice = 'You have signed out.'; navigate('/signin'); }}, 'Sign out'));
  app.replaceChildren(h('div', {class: 'shell'},
    h('header', {class: 'sidebar'}, h('div', {class: 'merchant'}, current().merchant.name),
      h('div', {class: 'who'}, admin ? `${s.email} · staff` : s.email), nav, admin ? null : contactBlock()),
    main));
  app.setAttribute('aria-busy', 'true');
  try {
    await page(main, ...params);
  } catch (err) {
    fill(main, h('h1', {}, section), h('p', {class: 'error', role: 'alert'}, err.message));
  }
  app.setAttribute('aria-busy', 'false');
  const heading = main.querySelector('h1');
  document.title = `${heading ? heading.textContent : section} · ${current().merchant.name}`;
  announce(document.title);
}

onNavigate(render);
window.addEventListener('popstate', render);
window.addEventListener('portal:signed-out', event => { notice = event.detail; render(); });

loadSettings().then(render).catch(err => {
  app.replaceChildren(h('main', {id: 'main', class: 'signin'}, h('h1', {}, 'Client Portal'),
    h('p', {class: 'error', role: 'alert'}, `The portal could not start: ${err.message}`)));
  app.setAttribute('aria-busy', 'false');
});
