// An invoice's payment plan (its installments, each with what is still to pay and its status) and the autopay
// charge the client was told of: shown on the invoice page, to the client and in the merchant's console.

import {h, money, day, badge} from '../dom.js';
import {INSTALLMENT_STATUS_WORDS} from '../words.js';

const BADGE = {due: 'pending', paid: 'paid', overdue: 'overdue'};

// The installment "Pay Now" suggests: the first with something still to pay.
export function nextInstallment(invoice) {
  return ((invoice.payment_plan || {}).installments || []).find(i => i.amount_due > 0) || null;
}

export function planTable(invoice) {
  const c = invoice.currency;
  return h('div', {class: 'table-wrap stack-narrow'}, h('table', {},
    h('caption', {class: 'visually-hidden'}, 'Installments, in date order'),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Installment'), h('th', {scope: 'col'}, 'Due date'),
      h('th', {scope: 'col', class: 'num'}, 'Amount'), h('th', {scope: 'col', class: 'num'}, 'Still to pay'),
      h('th', {scope: 'col'}, 'Status'))),
    h('tbody', {}, invoice.payment_plan.installments.map(i => h('tr', {},
      h('td', {'data-label': 'Installment'}, `${i.number} of ${invoice.payment_plan.installments.length}`),
      h('td', {'data-label': 'Due date'}, day(i.due_date)),
      h('td', {class: 'num', 'data-label': 'Amount'}, money(i.amount, c)),
      h('td', {class: 'num', 'data-label': 'Still to pay'}, money(i.amount_due, c)),
      h('td', {'data-label': 'Status'}, badge(BADGE[i.status], INSTALLMENT_STATUS_WORDS[i.status])))))));
}

export function planSection(invoice) {
  if (!invoice.payment_plan) return null;
  const next = nextInstallment(invoice);
  return h('section', {'aria-labelledby': 'plan-h'}, h('h2', {id: 'plan-h'}, 'Payment plan'),
    h('p', {class: 'hint'}, next
      ? `This invoice is paid in installments. Next: ${money(next.amount_due, invoice.currency)} by ${day(next.due_date)}. A larger payment covers the next installments too.`
      : 'This invoice is paid in installments.'),
    planTable(invoice));
}

export function autopayNote(invoice) {
  const charge = invoice.autopay_charge;
  if (!charge) return null;
  return h('p', {class: 'note', id: 'autopay-charge'},
    `Autopay will charge ${money(charge.amount, invoice.currency)} to ${charge.method} on ${day(charge.charge_date)}.`);
}
