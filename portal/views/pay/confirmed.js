// The payment went through (a card) or was submitted (a bank transfer, 3-5 business days): what was paid, how,
// what is still owed, and where the receipt goes.

import {h, money, day, methodText, announce} from '../../dom.js';

export function confirmed({invoice, account, modal}, payment) {
  modal.busy = false;
  const c = invoice.currency;
  const ach = payment.method === 'ach';
  const paid = payment.status === 'succeeded';
  const owed = invoice.balance - payment.amount;  // the balance when the form opened, less this payment
  announce(ach ? 'Bank payment submitted.' : 'Payment successful.');
  modal.show(h('h2', {id: 'pay-title'}, ach ? 'Payment submitted' : paid ? 'Payment successful' : 'Payment processing'),
    h('p', {class: 'big'}, money(payment.amount, payment.currency)),
    h('div', {class: 'review'}, h('dl', {},
      h('dt', {}, 'Invoice'), h('dd', {}, invoice.number),
      h('dt', {}, 'Method'), h('dd', {}, methodText(payment)),
      h('dt', {}, 'Status'), h('dd', {}, ach ? 'Processing: 3-5 business days' : paid ? (owed > 0 ? 'Payment received' : 'Paid in full') : 'Processing'),
      owed > 0 ? [h('dt', {}, 'Still owed'), h('dd', {}, `${money(owed, c)}, due ${day(invoice.due_date)}`)] : null)),
    ach ? h('p', {class: 'note'}, `Bank transfers take 3-5 business days. We'll email ${account.billing_email} when it settles; the invoice shows "Processing" until then.`)
      : h('p', {class: 'success'}, `A receipt is on its way to ${account.billing_email}.`),
    h('div', {class: 'actions'}, h('button', {type: 'button', class: 'primary', autofocus: true, onclick: modal.close}, 'Done')));
}
