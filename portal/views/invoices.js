// "Invoices": every invoice with its status, due date, overdue flag and balance; "Pay Now" on unpaid ones, and a
// box to tick on each to pay several at once (pay_many.js). "Overdue" lists only the overdue ones (?status=overdue).

import {get} from '../api.js';
import {h, fill, money, day, badge} from '../dom.js';
import {pagedList} from '../paging.js';
import {navigate} from '../router.js';
import {openPayment} from './pay.js';
import {invoiceSelection} from './pay_many.js';

export function invoiceBadges(invoice) {
  return [badge(invoice.status), invoice.overdue ? badge('overdue', 'Overdue') : null];
}

function filterLinks(overdueOnly) {
  const link = (path, text, current) => h('a', {href: path, 'aria-current': current ? 'page' : null,
    onclick: event => { event.preventDefault(); navigate(path); }}, text);
  return h('nav', {class: 'filters', 'aria-label': 'Show'},
    link('/invoices', 'All invoices', !overdueOnly), link('/invoices?status=overdue', 'Overdue', overdueOnly));
}

export async function invoicesPage(main) {
  const overdueOnly = new URLSearchParams(location.search).get('status') === 'overdue';
  const picked = invoiceSelection(() => invoicesPage(main));
  // On a phone the button moves under the invoice number (one of the two is display:none at any width).
  const payNow = (invoice, cls) => invoice.payable
    ? h('button', {type: 'button', class: `primary ${cls}`, 'aria-label': `Pay Now: invoice ${invoice.number}`,
                   onclick: () => openPayment(invoice.invoice_id, () => invoicesPage(main))}, 'Pay Now')
    : null;
  // The same numbers as the invoice's own page: its Total, a late fee on its own line, its Balance.
  const row = invoice => h('tr', {},
    h('th', {scope: 'row'}, picked.checkbox(invoice), h('a', {href: `/invoices/${invoice.invoice_id}`, onclick: event => {
      event.preventDefault(); navigate(`/invoices/${invoice.invoice_id}`);
    }}, invoice.number), h('div', {class: 'hint show-narrow'}, `Due ${day(invoice.due_date)}`), payNow(invoice, 'show-narrow')),
    h('td', {class: 'hide-narrow'}, day(invoice.issued_date)),
    h('td', {class: 'hide-narrow'}, day(invoice.due_date)),
    h('td', {}, invoiceBadges(invoice)),
    h('td', {class: 'num hide-narrow'}, money(invoice.total, invoice.currency),
      invoice.fees ? h('div', {class: 'hint'}, `+ ${money(invoice.fees, invoice.currency)} late fee`) : null),
    h('td', {class: 'num'}, money(invoice.balance, invoice.currency)),
    h('td', {class: 'hide-narrow'}, payNow(invoice, '')));
  const tbody = h('tbody', {});
  const more = pagedList(`/invoices?limit=25${overdueOnly ? '&status=overdue' : ''}`, 'invoices', items => tbody.append(...items.map(row)), 'Load more invoices');
  const first = await more.load();
  fill(main,
    h('h1', {}, 'Invoices'), filterLinks(overdueOnly),
    first.some(i => i.payable) ? picked.bar : null,
    first.length ? [h('div', {class: 'table-wrap'}, h('table', {class: 'invoices'},
      h('caption', {class: 'visually-hidden'}, 'Your invoices, newest first'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Invoice'), h('th', {scope: 'col', class: 'hide-narrow'}, 'Issued'),
        h('th', {scope: 'col', class: 'hide-narrow'}, 'Due date'), h('th', {scope: 'col'}, 'Status'),
        h('th', {scope: 'col', class: 'num hide-narrow'}, 'Total'), h('th', {scope: 'col', class: 'num'}, 'Balance'),
        h('th', {scope: 'col', class: 'hide-narrow'}, h('span', {class: 'visually-hidden'}, 'Action')))),
      tbody)), more.control]
      : h('p', {class: 'note'}, overdueOnly ? 'Nothing is overdue.' : 'You have no invoices yet.'));
}
