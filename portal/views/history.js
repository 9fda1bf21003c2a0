// "Payment history": every payment, newest first, with its status, method, the reason if it was declined
// (also when another payment replaced it), its receipt number, "Email receipt" and the receipt as a PDF.
// Attempts that did not go through, right before another attempt on the same invoice, are grouped under it
// ("2 earlier attempts declined"), so one invoice paid on the third try is one entry, not three.
// A table at desktop width; stacked cards on a phone (styles.css), so nothing needs a sideways scroll.

import {post, download} from '../api.js';
import {h, fill, money, dateTime, paymentBadge, methodText, announce} from '../dom.js';
import {navigate} from '../router.js';
import {pagedList} from '../paging.js';
import {openReport} from './report.js';

const didNotGoThrough = p => p.status === 'failed' || p.status === 'canceled';

// Newest first: each group is a payment and the failed attempts on the same invoice just before it.
export function groupAttempts(payments) {
  const groups = [];
  for (const p of payments) {
    const last = groups[groups.length - 1];
    if (last && didNotGoThrough(p) && last.head.invoice_id === p.invoice_id) last.earlier.push(p);
    else groups.push({head: p, earlier: []});
  }
  return groups;
}

// The invoice a payment paid, or each of the invoices a payment of several paid.
function invoiceLinks(p) {
  const paid = (p.allocations || []).length > 1 ? p.allocations : [{invoice_id: p.invoice_id, invoice_number: p.invoice_number}];
  return paid.map((a, n) => [n ? ', ' : null, h('a', {href: `/invoices/${a.invoice_id}`, class: 'nowrap',
    onclick: e => { e.preventDefault(); navigate(`/invoices/${a.invoice_id}`); }}, a.invoice_number || 'Invoice')]);
}

function reason(p) {
  if (p.failure) return p.failure.message;
  if (p.status === 'canceled') return 'Not completed: nothing was charged.';
  return null;
}

function earlierAttempts(group) {
  const n = group.earlier.length;
  const declined = group.earlier.every(p => p.method === 'card');
  return h('details', {class: 'attempts'},
    h('summary', {}, `${n} earlier attempt${n === 1 ? '' : 's'} ${declined ? 'declined' : 'did not go through'}`),
    h('ul', {}, group.earlier.map(p => h('li', {}, `${dateTime(p.created_at)}: ${methodText(p)}, ${money(p.amount, p.currency)}. `,
      reason(p) || ''))));
}

export async function historyPage(main) {
  const status = h('div', {role: 'status', 'aria-live': 'polite'});
  const say = node => { status.replaceChildren(node); status.scrollIntoView({block: 'nearest'}); };
  const resend = async p => {
    try {
      const sent = await post(`/payments/${p.payment_id}/receipt`);
      say(h('p', {class: 'success'}, `Receipt ${sent.receipt_reference} is on its way to ${sent.sent_to}.`));
      announce('Receipt sent again.');
    } catch (err) {
      say(h('p', {class: 'error'}, err.message));
    }
  };
  const pdf = async p => {
    try {
      await download(`/payments/${p.payment_id}/receipt.pdf`, `receipt-${p.receipt_reference}.pdf`);
    } catch (err) {
      say(h('p', {class: 'error'}, err.message));
    }
  };
  const row = group => {
    const p = group.head;
    return h('tr', {},
      h('td', {'data-label': 'Date'}, dateTime(p.created_at)),
      h('td', {'data-label': (p.allocations || []).length > 1 ? 'Invoices' : 'Invoice'}, invoiceLinks(p)),
      h('td', {'data-label': 'Method'}, methodText(p)),
      h('td', {'data-label': 'Status'}, paymentBadge(p), p.status === 'processing' && p.method === 'ach' ? h('div', {class: 'hint'}, '3-5 business days') : null,
        reason(p) ? h('div', {class: 'hint'}, reason(p)) : null,
        p.receipt_reference ? h('div', {class: 'hint'}, `Receipt ${p.receipt_reference}`) : null,
        group.earlier.length ? earlierAttempts(group) : null),
      h('td', {class: 'num', 'data-label': 'Amount'}, money(p.amount, p.currency)),
      h('td', {class: 'row-actions'}, h('div', {class: 'actions'},
        p.receipt_reference ? [h('button', {type: 'button', 'aria-label': `Email receipt ${p.receipt_reference} again`,
          onclick: () => resend(p)}, 'Email receipt'),
        h('button', {type: 'button', 'aria-label': `Download receipt ${p.receipt_reference} (PDF)`, onclick: () => pdf(p)}, 'Receipt PDF')] : null,
        h('button', {type: 'button', onclick: () => openReport(p, p.invoice_number, () => historyPage(main))},
          'Report a problem'))));
  };
  const all = [];
  const tbody = h('tbody', {});
  const more = pagedList('/payments?limit=25', 'payments', items => {  // each names its invoice number
    all.push(...items);
    tbody.replaceChildren(...groupAttempts(all).map(row));
  }, 'Load more payments');
  await more.load();
  fill(main, h('h1', {}, 'Payment history'), status,
    all.length ? [h('div', {class: 'table-wrap stack-narrow'}, h('table', {},
      h('caption', {class: 'visually-hidden'}, 'Your payments, newest first'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Date'), h('th', {scope: 'col'}, 'Invoice'),
        h('th', {scope: 'col'}, 'Method'), h('th', {scope: 'col'}, 'Status'),
        h('th', {scope: 'col', class: 'num'}, 'Amount'), h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Actions')))),
      tbody)), more.control]
      : h('p', {class: 'note'}, 'No payments yet.'));
}
