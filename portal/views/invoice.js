// One invoice: what is owed and why (line items, payments, activity), "Pay Now", and an extension request.

import {get, post} from '../api.js';
import {h, fill, money, day, dateTime, badge, methodText, announce, oneLine} from '../dom.js';
import {invoiceBadges} from './invoices.js';
import {openPayment} from './pay.js';
import {openReport} from './report.js';

const ACTIVITY_WORDS = {payment_received: 'Payment received', reserved: 'Bank transfer in progress',
  released: 'Bank transfer released', credited: 'Kept as credit', taken_back: 'Taken back', restored: 'Restored',
  refunded: 'Refunded', late_fee: 'Late fee', correction: 'Correction'};

// The API's activity when it gives one; otherwise the same story from the invoice's own records.
function activity(invoice) {
  if (Array.isArray(invoice.activity)) {
    return invoice.activity.map(a => ({at: a.at, text: ACTIVITY_WORDS[a.kind] || a.kind, amount: a.amount}));
  }
  const rows = [{at: invoice.issued_date, text: 'Invoice issued', amount: invoice.total}];
  for (const p of invoice.payments || []) {
    const what = {succeeded: 'Payment received', processing: 'Bank transfer in progress (3-5 business days)',
      failed: 'Payment did not go through', pending: 'Payment started', canceled: 'Payment canceled',
      refunded: 'Payment refunded', partially_refunded: 'Payment partly refunded', disputed: 'Payment disputed'}[p.status] || p.status;
    rows.push({at: p.succeeded_at || p.created_at, text: `${what}: ${methodText(p)}`, amount: p.amount});
  }
  if (invoice.fees) rows.push({at: invoice.due_date, text: 'Late fee', amount: invoice.fees});
  return rows.sort((a, b) => String(a.at).localeCompare(String(b.at)));
}

function extensionSection(invoice, reload) {
  const ext = invoice.extension_request;
  const shown = ext ? h('p', {}, `Extension to ${day(ext.requested_due_date)}: `,
    badge(ext.status === 'approved' ? 'paid' : ext.status === 'declined' ? 'failed' : 'pending',
          {pending: 'Waiting for an answer', approved: 'Approved', declined: 'Declined'}[ext.status])) : null;
  if (!invoice.payable || (ext && ext.status === 'pending')) {
    return h('section', {'aria-labelledby': 'ext-h'}, h('h2', {id: 'ext-h'}, 'Extension request'),
      shown || h('p', {class: 'hint'}, 'No extension was requested.'));
  }
  const date = h('input', {type: 'date', id: 'ext-date', name: 'requested_due_date', required: true, min: invoice.due_date});
  const reason = h('textarea', {id: 'ext-reason', name: 'reason', required: true, maxlength: '1000'});
  const status = h('div', {role: 'status'});
  const form = h('form', {class: 'panel', onsubmit: async event => {
    event.preventDefault();
    status.replaceChildren();
    try {
      await post(`/invoices/${invoice.invoice_id}/extension-requests`, {requested_due_date: date.value, reason: oneLine(reason.value)});
      announce('Extension request sent.');
      await reload();
    } catch (err) {
      status.replaceChildren(h('p', {class: 'error'}, err.message));
    }
  }}, h('p', {class: 'hint'}, `Need more time? Ask to move the due date (${day(invoice.due_date)}) by up to 90 days.`),
  h('label', {for: 'ext-date'}, 'New due date'), date,
  h('label', {for: 'ext-reason'}, 'Reason'), reason, status,
  h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Request extension')));
  return h('section', {'aria-labelledby': 'ext-h'}, h('h2', {id: 'ext-h'}, 'Extension request'), shown, form);
}

// "Pay before the due date to avoid a late fee" with the amount, from the invoice's own policy.
function lateFeeNote(invoice) {
  const policy = invoice.late_fee_policy;
  if (!invoice.payable || !policy || policy.kind === 'none') return null;
  const fee = money(policy.fee_on_balance, invoice.currency);
  const grace = policy.grace_days ? ` (charged ${policy.grace_days} days after the due date)` : '';
  const how = policy.kind === 'percent' ? `${(policy.basis_points / 100).toFixed(2)}% of the unpaid balance, ${fee} today` : fee;
  return h('p', {class: invoice.overdue ? 'warning' : 'hint', id: 'late-fee'}, invoice.overdue
    ? `This invoice is overdue: a late fee of ${how} applies${grace}.`
    : `Pay by ${day(invoice.due_date)} to avoid a late fee of ${how}${grace}.`);
}

export async function invoicePage(main, invoiceId) {
  const reload = () => invoicePage(main, invoiceId);
  const invoice = await get(`/invoices/${encodeURIComponent(invoiceId)}`);
  const c = invoice.currency;
  const summary = h('dl', {class: 'summary'},
    h('div', {}, h('dt', {}, 'Status'), h('dd', {}, invoiceBadges(invoice))),
    h('div', {}, h('dt', {}, 'Issued'), h('dd', {}, day(invoice.issued_date))),
    h('div', {}, h('dt', {}, 'Due date'), h('dd', {}, day(invoice.due_date))),
    h('div', {}, h('dt', {}, 'Total'), h('dd', {}, money(invoice.total, c))),
    invoice.fees ? h('div', {}, h('dt', {}, 'Late fees'), h('dd', {}, money(invoice.fees, c))) : null,
    h('div', {}, h('dt', {}, 'Paid to date'), h('dd', {}, money(invoice.amount_paid, c))),
    invoice.amount_pending ? h('div', {}, h('dt', {}, 'Processing'), h('dd', {}, money(invoice.amount_pending, c))) : null,
    h('div', {class: 'balance'}, h('dt', {}, 'Balance'), h('dd', {}, money(invoice.balance, c))));
  const payments = invoice.payments || [];
  fill(main, 
    h('h1', {}, `Invoice ${invoice.number}`),
    h('div', {class: 'panel'}, summary,
      invoice.allow_partial && invoice.payable
        ? h('p', {class: 'hint'}, `You can pay part of this invoice (at least ${money(invoice.minimum_payment, c)}); the rest stays due on ${day(invoice.due_date)}.`) : null,
      lateFeeNote(invoice),
      invoice.payable ? h('div', {class: 'actions'}, h('button', {type: 'button', class: 'primary',
        onclick: () => openPayment(invoice.invoice_id, reload)}, 'Pay Now')) : null),
    h('h2', {}, 'Line items'),
    h('div', {class: 'table-wrap'}, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Description'), h('th', {scope: 'col', class: 'num'}, 'Qty'),
        h('th', {scope: 'col', class: 'num hide-narrow'}, 'Unit price'), h('th', {scope: 'col', class: 'num'}, 'Amount'))),
      h('tbody', {}, (invoice.line_items || []).map(li => h('tr', {}, h('td', {}, li.description),
        h('td', {class: 'num'}, li.quantity), h('td', {class: 'num hide-narrow'}, money(li.unit_amount, c)),
        h('td', {class: 'num'}, money(li.amount, c))))))),
    h('h2', {}, 'Payments'),
    payments.length ? h('div', {class: 'table-wrap'}, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Date'), h('th', {scope: 'col'}, 'Method'),
        h('th', {scope: 'col'}, 'Status'), h('th', {scope: 'col', class: 'num'}, 'Amount'),
        h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Action')))),
      h('tbody', {}, payments.map(p => h('tr', {},
        h('td', {}, dateTime(p.created_at)), h('td', {}, methodText(p)),
        h('td', {}, badge(p.status), p.failure ? h('div', {class: 'hint'}, p.failure.message) : null),
        h('td', {class: 'num'}, money(p.amount, p.currency)),
        h('td', {}, h('button', {type: 'button', onclick: () => openReport(p, invoice.number, reload)},
          'Report a problem'))))))) : h('p', {class: 'hint'}, 'No payments yet.'),
    h('h2', {}, 'Activity'),
    h('ol', {class: 'panel'}, activity(invoice).map(a => h('li', {}, `${day(a.at)}: ${a.text}`,
      a.amount ? ` (${money(a.amount, c)})` : ''))),
    extensionSection(invoice, reload));
}
