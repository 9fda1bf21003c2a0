// One invoice: what is owed and why (line items, payments, activity), "Pay Now", and an extension request.

import {get, post, download} from '../api.js';
import {h, fill, money, day, dateTime, localDay, badge, paymentBadge, methodText, announce, timeZone, oneLine} from '../dom.js';
import {ACTIVITY_WORDS} from '../words.js';
import {contactBlock} from '../contact.js';
import {invoiceBadges} from './invoices.js';
import {openPayment} from './pay.js';
import {openReport} from './report.js';
import {planSection, autopayNote} from './plan.js';

// The API's activity when it gives one; otherwise the same story from the invoice's own records. Amounts are
// shown without a sign: the words say which way each moved. "Invoice issued" is on the invoice's issue date
// (the record may have been made later); everything else on the day it happened, in the merchant's time zone.
function activity(invoice) {
  if (Array.isArray(invoice.activity)) {
    return invoice.activity.map(a => ({at: a.kind === 'invoiced' ? invoice.issued_date : localDay(a.at),
      text: ACTIVITY_WORDS[a.kind] || 'Change to the amount owed', amount: Math.abs(a.amount)}));
  }
  const rows = [{at: invoice.issued_date, text: 'Invoice issued', amount: invoice.total}];
  for (const p of invoice.payments || []) {
    const what = {succeeded: 'Payment received', processing: 'Bank transfer in progress (3-5 business days)',
      failed: 'Payment did not go through', pending: 'Payment started', canceled: 'Payment canceled',
      refunded: 'Payment refunded', partially_refunded: 'Payment partly refunded', disputed: 'Payment disputed'}[p.status] || p.status;
    rows.push({at: localDay(p.succeeded_at || p.created_at), text: `${what}: ${methodText(p)}`, amount: p.amount});
  }
  if (invoice.fees) rows.push({at: invoice.due_date, text: 'Late fee', amount: invoice.fees});
  return rows.sort((a, b) => String(a.at).localeCompare(String(b.at)));
}

// What a payment paid on this invoice (its card fee there included); a payment of several invoices says so.
function shareOf(p, invoice) {
  const mine = (p.allocations || []).find(a => a.invoice_id === invoice.invoice_id);
  if (!mine || p.allocations.length < 2) return money(p.amount, p.currency);
  return [money(mine.amount + mine.card_fee, p.currency),
    h('div', {class: 'hint'}, `of ${money(p.amount, p.currency)} paid for ${p.allocations.length} invoices`)];
}

function extensionSection(invoice, reload) {
  const ext = invoice.extension_request;
  const shown = ext ? [h('p', {}, `Extension to ${day(ext.requested_due_date)}: `,
    badge(ext.status === 'approved' ? 'paid' : ext.status === 'declined' ? 'failed' : 'pending',
          {pending: 'Waiting for an answer', approved: 'Approved', declined: 'Declined'}[ext.status])),
    ext.note ? h('p', {class: 'note'}, `Our note: ${ext.note}`) : null] : null;
  if (!invoice.payable || (ext && ext.status === 'pending') || invoice.payment_plan) {
    // On a payment plan the installments' dates are the merchant's to change (contact us).
    // Nothing to ask for on a paid or canceled invoice: the section shows only a request there was.
    return shown ? h('section', {'aria-labelledby': 'ext-h'}, h('h2', {id: 'ext-h'}, 'Extension request'), shown) : null;
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
    invoice.card_fees ? h('div', {}, h('dt', {}, 'Card fees paid'), h('dd', {}, money(invoice.card_fees, c))) : null,
    invoice.amount_pending ? h('div', {}, h('dt', {}, 'Processing'), h('dd', {}, money(invoice.amount_pending, c))) : null,
    h('div', {class: 'balance'}, h('dt', {}, 'Balance'), h('dd', {}, money(invoice.balance, c))));
  const payments = invoice.payments || [];
  const pdfStatus = h('div', {role: 'alert'});
  fill(main, 
    h('h1', {}, `Invoice ${invoice.number}`),
    h('div', {class: 'panel'}, summary,
      invoice.allow_partial && invoice.payable && !invoice.payment_plan  // a plan says when each part is due
        ? h('p', {class: 'hint'}, `You can pay part of this invoice (at least ${money(invoice.minimum_payment, c)}); the rest stays due on ${day(invoice.due_date)}.`) : null,
      lateFeeNote(invoice),
      autopayNote(invoice),
      h('div', {class: 'actions'},
        invoice.payable ? h('button', {type: 'button', class: 'primary', onclick: () => openPayment(invoice.invoice_id, reload)}, 'Pay Now') : null,
        h('button', {type: 'button', onclick: () => download(`/invoices/${encodeURIComponent(invoice.invoice_id)}/pdf`, `invoice-${invoice.number}.pdf`)
          .catch(err => pdfStatus.replaceChildren(h('p', {class: 'error'}, err.message)))}, 'Download PDF')),
      pdfStatus),
    planSection(invoice),
    h('h2', {}, 'Line items'),
    h('div', {class: 'table-wrap'}, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Description'), h('th', {scope: 'col', class: 'num'}, 'Qty'),
        h('th', {scope: 'col', class: 'num hide-narrow'}, 'Unit price'), h('th', {scope: 'col', class: 'num'}, 'Amount'))),
      h('tbody', {}, (invoice.line_items || []).map(li => h('tr', {}, h('td', {}, li.description),
        h('td', {class: 'num'}, li.quantity), h('td', {class: 'num hide-narrow'}, money(li.unit_amount, c)),
        h('td', {class: 'num'}, money(li.amount, c))))))),
    h('h2', {}, 'Payments'),
    payments.length ? h('div', {class: 'table-wrap stack-narrow'}, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Date'), h('th', {scope: 'col'}, 'Method'),
        h('th', {scope: 'col'}, 'Status'), h('th', {scope: 'col', class: 'num'}, 'Amount'),
        h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Action')))),
      h('tbody', {}, payments.map(p => h('tr', {},
        h('td', {'data-label': 'Date'}, dateTime(p.created_at)), h('td', {'data-label': 'Method'}, methodText(p)),
        h('td', {'data-label': 'Status'}, paymentBadge(p), p.failure ? h('div', {class: 'hint'}, p.failure.message) : null),
        h('td', {class: 'num', 'data-label': 'Amount'}, shareOf(p, invoice)),
        h('td', {class: 'row-actions'}, h('button', {type: 'button', onclick: () => openReport(p, invoice.number, reload)},
          'Report a problem'))))))) : h('p', {class: 'hint'}, 'No payments yet.'),
    h('h2', {}, 'Activity'),
    h('ol', {class: 'panel activity'}, activity(invoice).map(a => h('li', {}, h('span', {class: 'when'}, day(a.at)), ' ',
      h('span', {class: 'what'}, a.text), a.amount ? h('span', {class: 'num'}, money(a.amount, c)) : null))),
    h('p', {class: 'hint'}, `Dates and times are in ${timeZone().replace(/_/g, ' ')} time.`),
    extensionSection(invoice, reload),
    contactBlock('Questions about this invoice?'));
}
