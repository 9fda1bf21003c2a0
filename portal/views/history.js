// "Payment history": every payment, newest first, with its status, method, the reason if it was declined
// (also when another payment replaced it), its receipt number and "Email receipt".

import {get, post} from '../api.js';
import {h, fill, money, dateTime, badge, methodText, announce} from '../dom.js';
import {navigate} from '../app.js';
import {openReport} from './report.js';

export async function historyPage(main) {
  const {payments} = await get('/payments?limit=100');  // each names its invoice number: no second request
  const status = h('div', {role: 'status'});
  const resend = async p => {
    try {
      const sent = await post(`/payments/${p.payment_id}/receipt`);
      status.replaceChildren(h('p', {class: 'success'}, `Receipt ${sent.receipt_reference} is on its way to ${sent.sent_to}.`));
      announce('Receipt sent again.');
    } catch (err) {
      status.replaceChildren(h('p', {class: 'error'}, err.message));
    }
  };
  fill(main, h('h1', {}, 'Payment history'), status,
    payments.length ? h('div', {class: 'table-wrap'}, h('table', {},
      h('caption', {class: 'visually-hidden'}, 'Your payments, newest first'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Date'), h('th', {scope: 'col'}, 'Invoice'),
        h('th', {scope: 'col', class: 'hide-narrow'}, 'Method'), h('th', {scope: 'col'}, 'Status'),
        h('th', {scope: 'col', class: 'num'}, 'Amount'), h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Action')))),
      h('tbody', {}, payments.map(p => h('tr', {},
        h('td', {}, dateTime(p.created_at)),
        h('td', {}, h('a', {href: `/invoices/${p.invoice_id}`, onclick: e => { e.preventDefault(); navigate(`/invoices/${p.invoice_id}`); }},
          p.invoice_number || p.invoice_id)),
        h('td', {class: 'hide-narrow'}, methodText(p)),
        h('td', {}, badge(p.status), p.status === 'processing' && p.method === 'ach' ? h('div', {class: 'hint'}, '3-5 business days') : null,
          p.failure ? h('div', {class: 'hint'}, p.failure.message) : null,
          p.receipt_reference ? h('div', {class: 'hint'}, `Receipt ${p.receipt_reference}`) : null),
        h('td', {class: 'num'}, money(p.amount, p.currency)),
        h('td', {}, h('div', {class: 'actions'},
          p.receipt_reference ? h('button', {type: 'button', 'aria-label': `Email receipt ${p.receipt_reference} again`,
            onclick: () => resend(p)}, 'Email receipt') : null,
          h('button', {type: 'button', onclick: () => openReport(p, p.invoice_number, () => historyPage(main))},
            'Report a problem'))))))))
      : h('p', {class: 'note'}, 'No payments yet.'));
}
