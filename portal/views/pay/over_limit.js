// The processor's weekly limit on bank transfers: nothing was recorded; pay by card, or what is left by bank.

import {h, money, day} from '../../dom.js';

export function overLimit(pay, err) {
  const {invoice, choice, modal, go} = pay;
  const c = invoice.currency;
  const {available = 0, resets_on: resets} = err.details || {};
  const smaller = invoice.allow_partial && available >= Math.max(invoice.minimum_payment, 1)
    ? Math.min(available, invoice.balance) : 0;
  modal.show(h('h2', {id: 'pay-title'}, 'Over the weekly limit for bank transfers'),
    h('p', {class: 'error', role: 'alert'}, err.message),
    h('p', {}, available
      ? `You can still send ${money(available, c)} by bank transfer this week${resets ? `; the limit resets on ${day(resets)}` : ''}.`
      : `The limit resets${resets ? ` on ${day(resets)}` : ' next Monday'}.`),
    h('div', {class: 'actions'},
      h('button', {type: 'button', class: 'primary', autofocus: true, onclick: () => { choice.method = 'card'; go.choose(); }}, 'Pay by card instead'),
      smaller ? h('button', {type: 'button', onclick: () => {
        choice.full = false;
        choice.amount = smaller;
        go.choose();
        document.getElementById('pay-amount').focus();
      }}, `Pay ${money(smaller, c)} by bank transfer`) : null,
      h('button', {type: 'button', onclick: modal.close}, 'Close')));
}
