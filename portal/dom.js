// Small DOM and formatting helpers shared by every view.

import {current} from './config.js';
import {invoiceStatusWords, paymentStatusWords, BANK_STATUS_WORDS} from './words.js';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function announce(text) {
  const live = document.getElementById('announce');
  live.textContent = '';
  setTimeout(() => { live.textContent = text; }, 50);
}

const SYMBOLS = {usd: '$', cad: 'CA$', eur: '€', gbp: '£', aud: 'A$'};

// Integer cents -> "$1,250.00" without floating point.
export function money(cents, currency = 'usd') {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const major = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}${SYMBOLS[currency] || currency.toUpperCase() + ' '}${major}.${String(abs % 100).padStart(2, '0')}`;
}

// A textarea's text as the API takes free text: on one line (line breaks and tabs become single spaces).
export function oneLine(text) {
  return String(text).replace(/\s+/g, ' ').trim();
}

// "12.34" / "12" / "1,234.5" -> 1234 cents, or null if it is not an amount.
export function parseCents(text) {
  const clean = String(text).trim().replace(/[$,\s]/g, '');
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(clean);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

export function day(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', {year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC'});
}

// The merchant's time zone (GET /portal-settings): every time is shown there, with the zone's name.
export function timeZone() {
  return ((current() || {}).merchant || {}).time_zone || 'UTC';
}

// "Dec 7, 2026, 3:30 PM EST" in the merchant's time zone.
export function dateTime(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString('en-US', {year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric',
    minute: '2-digit', timeZone: timeZone(), timeZoneName: 'short'});
}

// The day (in the merchant's time zone) an instant falls on, as YYYY-MM-DD, so `day()` can show it.
export function localDay(iso) {
  const parts = new Intl.DateTimeFormat('en-CA', {year: 'numeric', month: '2-digit', day: '2-digit', timeZone: timeZone()})
    .formatToParts(new Date(iso));
  const get = type => parts.find(p => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function badge(status, text) {
  return h('span', {class: `badge ${status}`}, text || BANK_STATUS_WORDS[status] || invoiceStatusWords(status));
}

// A payment's status badge: "Declined" for a declined card, "Did not go through" for a failed bank payment.
export function paymentBadge(payment) {
  const cls = payment.status === 'canceled' && payment.failure ? 'failed' : payment.status;
  return badge(cls, paymentStatusWords(payment));
}

const BRANDS = {visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover'};

export function methodText(payment) {
  if (payment.card) return `${BRANDS[payment.card.brand] || 'Card'} ending in ${payment.card.last4}`;
  if (payment.bank) return `${payment.bank.bank_name || 'Bank'} account ending in ${payment.bank.last4}`;
  return payment.method === 'ach' ? 'Bank transfer (ACH)' : 'Card';
}

export function savedMethodText(method) {
  if (method.card) return `${BRANDS[method.card.brand] || 'Card'} ending in ${method.card.last4}`;
  return `${method.bank.bank_name || 'Bank'} ${method.bank.account_type || ''} account ending in ${method.bank.last4}`;
}

export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

// The same control in freshly rendered content: same tag and id, else label, else link target, else text.
function counterpart(old, root) {
  const key = el => el.id || el.getAttribute('aria-label') || el.getAttribute('href') || el.textContent.trim();
  return [...root.querySelectorAll(old.tagName)].find(el => el.offsetParent !== null && key(el) === key(old));
}

// Replace an element's content; null / false children (conditional parts) are skipped. A keyboard user's focus
// inside it moves to the same control in the new content (a list refreshed after its modal closes), or, where
// that control is gone (an invoice just paid has no "Pay Now"), to the element itself if it takes focus; never
// to the page's body.
export function fill(el, ...children) {
  const focused = document.activeElement;
  const inside = focused && focused !== el && el.contains(focused);
  el.replaceChildren(...children.flat(Infinity).filter(c => c !== null && c !== undefined && c !== false));
  if (!inside) return;
  const same = counterpart(focused, el);
  if (same) same.focus();
  else if (el.hasAttribute('tabindex')) el.focus();
}
