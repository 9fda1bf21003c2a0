// "Clients": every client (a page at a time), and one client's account, invoices and payments, with a refund
// button on each payment that went through and "Issue an invoice".

import {get} from '../api.js';
import {h, fill, money, day, dateTime, badge, paymentBadge, methodText} from '../dom.js';
import {pagedList} from '../paging.js';
import {navigate} from '../router.js';
import {invoiceBadges} from '../views/invoices.js';
import {clientLink, invoiceLink} from './attention.js';
import {openRefund, refundable} from './refund.js';

function autopayBadge(client) {
  return client.autopay ? badge('paid', 'Autopay on') : badge('void', 'Autopay off');
}

export async function clientsPage(main) {
  const tbody = h('tbody', {});
  const row = c => h('tr', {},
    h('th', {scope: 'row', 'data-label': 'Client'}, clientLink(c.client_id, c.name)),
    h('td', {'data-label': 'Billing email'}, c.billing_email),
    h('td', {class: 'num', 'data-label': 'Credit'}, money(c.credit_balance)),
    h('td', {'data-label': 'Autopay'}, autopayBadge(c)));
  const more = pagedList('/admin/clients?limit=50', 'clients', items => tbody.append(...items.map(row)), 'Load more clients');
  const first = await more.load();
  fill(main, h('h1', {}, 'Clients'),
    first.length ? [h('div', {class: 'table-wrap stack-narrow'}, h('table', {},
      h('caption', {class: 'visually-hidden'}, 'Clients'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Client'), h('th', {scope: 'col'}, 'Billing email'),
        h('th', {scope: 'col', class: 'num'}, 'Credit'), h('th', {scope: 'col'}, 'Autopay'))), tbody)), more.control]
      : h('p', {class: 'note'}, 'No clients yet.'));
}

export function paymentsTable(payments, reload, caption) {
  return h('div', {class: 'table-wrap stack-narrow'}, h('table', {},
    h('caption', {class: 'visually-hidden'}, caption),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Date'), h('th', {scope: 'col'}, 'Invoice'),
      h('th', {scope: 'col'}, 'Method'), h('th', {scope: 'col'}, 'Status'), h('th', {scope: 'col', class: 'num'}, 'Amount'),
      h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Action')))),
    h('tbody', {}, payments.map(p => paymentRow(p, reload)))));
}

export function paymentRow(p, reload) {
  const refunds = (p.refunds || []).filter(r => r.status !== 'failed');
  return h('tr', {},
    h('td', {'data-label': 'Date'}, dateTime(p.created_at)),
    h('td', {'data-label': 'Invoice'}, p.invoice_number || p.invoice_id),
    h('td', {'data-label': 'Method'}, methodText(p)),
    h('td', {'data-label': 'Status'}, paymentBadge(p), p.failure ? h('div', {class: 'hint'}, p.failure.message) : null),
    h('td', {class: 'num', 'data-label': 'Amount'}, money(p.amount, p.currency),
      refunds.length ? h('div', {class: 'hint'}, `${money(refunds.reduce((s, r) => s + r.amount, 0), p.currency)} refunded`) : null),
    h('td', {class: 'row-actions'}, ['succeeded', 'partially_refunded'].includes(p.status) && refundable(p) > 0
      ? h('button', {type: 'button', 'aria-label': `Refund: ${money(p.amount, p.currency)} on ${p.invoice_number || p.invoice_id}, ${dateTime(p.created_at)}`,
          onclick: () => openRefund(p, reload)}, 'Refund') : null));
}

export async function clientPage(main, clientId) {
  const id = decodeURIComponent(clientId);
  const reload = () => clientPage(main, clientId);
  const base = `/admin/clients/${encodeURIComponent(id)}`;
  const client = await get(base);
  const invoices = h('tbody', {});
  const payments = [];
  const paymentsBox = h('div', {});
  const invoiceRow = i => h('tr', {},
    h('th', {scope: 'row', 'data-label': 'Invoice'}, invoiceLink(id, i.invoice_id, i.number)),
    h('td', {'data-label': 'Due'}, day(i.due_date)),
    h('td', {'data-label': 'Status'}, invoiceBadges(i), i.payment_plan ? badge('pending', 'Payment plan') : null),
    h('td', {class: 'num', 'data-label': 'Total'}, money(i.total + i.fees, i.currency)),
    h('td', {class: 'num', 'data-label': 'Balance'}, money(i.balance, i.currency)));
  const moreInvoices = pagedList(`${base}/invoices?limit=25`, 'invoices', items => invoices.append(...items.map(invoiceRow)), 'Load more invoices');
  const morePayments = pagedList(`${base}/payments?limit=25`, 'payments', items => {
    payments.push(...items);
    fill(paymentsBox, payments.length ? paymentsTable(payments, reload, `${client.name}'s payments`) : h('p', {class: 'hint'}, 'No payments yet.'));
  }, 'Load more payments');
  await Promise.all([moreInvoices.load(), morePayments.load()]);
  const issue = `/console/new-invoice?client=${encodeURIComponent(id)}`;
  fill(main, h('h1', {}, client.name),
    h('div', {class: 'panel'}, h('dl', {class: 'summary'},
      h('div', {}, h('dt', {}, 'Billing email'), h('dd', {}, client.billing_email)),
      h('div', {}, h('dt', {}, 'Credit'), h('dd', {}, money(client.credit_balance))),
      h('div', {}, h('dt', {}, 'Autopay'), h('dd', {}, autopayBadge(client))),
      h('div', {}, h('dt', {}, 'Client id'), h('dd', {}, client.client_id))),
    h('div', {class: 'actions'}, h('a', {class: 'button primary', href: issue,
      onclick: event => { event.preventDefault(); navigate(issue); }}, 'Issue an invoice'))),
    h('h2', {}, 'Invoices'),
    invoices.children.length ? h('div', {class: 'table-wrap stack-narrow'}, h('table', {},
      h('caption', {class: 'visually-hidden'}, `${client.name}'s invoices, newest first`),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Invoice'), h('th', {scope: 'col'}, 'Due'),
        h('th', {scope: 'col'}, 'Status'), h('th', {scope: 'col', class: 'num'}, 'Total'), h('th', {scope: 'col', class: 'num'}, 'Balance'))),
      invoices)) : h('p', {class: 'hint'}, 'No invoices yet.'), moreInvoices.control,
    h('h2', {}, 'Payments'), paymentsBox, morePayments.control);
}
