// How to reach the merchant (GET /portal-settings `merchant`): in the sidebar of every page, on the sign-in
// pages, and wherever the portal says "contact us".

import {current} from './config.js';
import {h} from './dom.js';

export function contactLinks() {
  const m = current().merchant;
  return [h('a', {href: `mailto:${m.support_email}`}, m.support_email),
    m.support_phone ? [' or ', h('a', {href: `tel:${m.support_phone.replace(/[^+\d]/g, '')}`}, m.support_phone)] : null];
}

// "Questions? Contact Acme Bookkeeping at help@acme.test or +1 555 0100."
export function contactBlock(opening = 'Questions?') {
  return h('p', {class: 'contact'}, `${opening} Contact ${current().merchant.name} at `, contactLinks(), '.');
}
