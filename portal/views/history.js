// "Payment history": every payment, newest first, with its status, method and reason if it failed.

import {get} from '../api.js';
import {h, fill, money, dateTime, badge, methodText} from '../dom.js';
import {navigate} from '../app.js';
import {openReport} from './report.js';

export async function historyPage(main) {
  const [{payments}, {invoices}] = await Promise.all([get('/payments?limit=100'), get('/invoices?limit=100')]);
  const numbers = Object.fromEntries(invoices.map(i => [i.invoice_id, i.number]));
  fill(main, h('h1', {}, 'Payment history'),
    payments.length ? h('div', {class: 'table-wrap'}, h('table', {},
      h('caption', {class: 'visually-hidden'}, 'Your payments, newest first'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Date'), h('th', {scope: 'col'}, 'Invoice'),
        h('th', {scope: 'col', class: 'hide-narrow'}, 'Method'), h('th', {scope: 'col'}, 'Status'),
        h('th', {scope: 'col', class: 'num'}, 'Amount'), h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Action')))),
      h('tbody', {}, payments.map(p => h('tr', {},
        h('td', {}, dateTime(p.created_at)),
        h('td', {}, h('a', {href: `/invoices/${p.invoice_id}`, onclick: e => { e.preventDefault(); navigate(`/invoices/${p.invoice_id}`); }},
          numbers[p.invoice_id] || p.invoice_id)),
        h('td', {class: 'hide-narrow'}, methodText(p)),
        h('td', {}, badge(p.status), p.status === 'processing' && p.method === 'ach' ? h('div', {class: 'hint'}, '3-5 business days') : null,
          p.failure ? h('div', {class: 'hint'}, p.failure.message) : null),
        h('td', {class: 'num'}, money(p.amount, p.currency)),
        h('td', {}, h('button', {type: 'button', onclick: () => openReport(p, numbers[p.invoice_id], () => historyPage(main))},
          'Report a problem')))))))
      : h('p', {class: 'note'}, 'No payments yet.'));
}
