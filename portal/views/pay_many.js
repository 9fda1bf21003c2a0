// Several invoices, one payment: pick unpaid invoices in the list, then pay their full balances together by card
// or bank transfer (POST /payments). A card fee on credit cards, when the merchant charges one, is said where the
// portal names the ways to pay, and shown with its exact amount on the review before anything is submitted
// (POST /payments/quote reads the card's funding from Stripe: debit and prepaid cards carry no fee).

import {get, post, ApiError} from '../api.js';
import {h, fill, money, day, methodText, savedMethodText, newKey, announce} from '../dom.js';
import {openModal} from '../modal.js';
import {stripe} from '../stripe.js';
import {current} from '../config.js';

const MAX = 20;  // the API's bound (too_many_invoices)
// An invoice of the selection changed meanwhile (paid, voided, or a bank transfer covers it): say it of the selection.
const CHANGED = new Set(['invoice_paid', 'invoice_void', 'payment_in_progress', 'invoice_not_found']);
const said = err => CHANGED.has(err.code)
  ? 'One of these invoices was just paid or changed. Close this, and choose the invoices to pay again.' : err.message;
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const percent = bp => `${(bp / 100).toFixed(bp % 100 ? (bp % 10 ? 2 : 1) : 0)}%`;

// "Credit cards carry a 3% card fee; debit cards and bank transfers don't." (null without a fee)
export function cardFeeNotice() {
  const fee = (current() || {}).card_fee;
  return fee ? `Paying by credit card adds a ${percent(fee.basis_points)} card fee; debit and prepaid cards and bank transfers have none.` : null;
}

// The list's selection: a checkbox per unpaid invoice and a bar that pays the ones checked.
export function invoiceSelection(onDone) {
  const chosen = new Map();
  const summary = h('p', {class: 'hint', id: 'selection-summary', 'aria-live': 'polite'});
  const button = h('button', {type: 'button', class: 'primary', disabled: true, 'aria-describedby': 'selection-summary',
    onclick: () => openPayMany([...chosen.values()], onDone)}, 'Pay selected');
  const notice = cardFeeNotice();
  const bar = h('div', {class: 'panel selection', role: 'region', 'aria-label': 'Pay several invoices'},
    h('div', {class: 'selection-row'}, summary, button), notice ? h('p', {class: 'hint', id: 'card-fee-notice'}, notice) : null);

  function update() {
    const picked = [...chosen.values()];
    const currencies = new Set(picked.map(i => i.currency));
    if (!picked.length) summary.textContent = 'Tick the invoices you want to pay together.';
    else if (currencies.size > 1) summary.textContent = 'These invoices are in different currencies: pay each currency separately.';
    else if (picked.length > MAX) summary.textContent = `Choose at most ${MAX} invoices at once.`;
    else {
      const total = picked.reduce((sum, i) => sum + i.balance, 0);
      summary.textContent = `${picked.length} invoice${picked.length === 1 ? '' : 's'} selected: ${money(total, picked[0].currency)}`;
    }
    button.disabled = !picked.length || currencies.size > 1 || picked.length > MAX;
  }
  update();

  function checkbox(invoice) {
    if (!invoice.payable) return null;
    return h('input', {type: 'checkbox', class: 'pick', checked: chosen.has(invoice.invoice_id),
      'aria-label': `Select invoice ${invoice.number} (${money(invoice.balance, invoice.currency)})`,
      onchange: event => { if (event.target.checked) chosen.set(invoice.invoice_id, invoice); else chosen.delete(invoice.invoice_id); update(); }});
  }
  return {bar, checkbox};
}

async function settled(paymentId, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  let payment = await get(`/payments/${paymentId}`);
  while (['pending', 'processing'].includes(payment.status) && payment.method === 'card' && Date.now() < deadline) {
    await sleep(500);
    payment = await get(`/payments/${paymentId}`);
  }
  return payment;
}

export async function openPayMany(invoices, onDone) {
  const modal = openModal('pay-many-title', {onClose: onDone});
  const c = invoices[0].currency;
  const count = `${invoices.length} invoice${invoices.length === 1 ? '' : 's'}`;
  const title = `Pay ${count}`;
  modal.show(h('h2', {id: 'pay-many-title'}, title), h('p', {}, 'Loading…'));
  let methods, account;
  try {
    [{payment_methods: methods}, account] = await Promise.all([get('/payment-methods'), get('/account')]);
  } catch (err) {
    modal.show(h('h2', {id: 'pay-many-title'}, title), h('p', {class: 'error', role: 'alert'}, err.message),
      h('div', {class: 'actions'}, h('button', {type: 'button', onclick: modal.close, autofocus: true}, 'Close')));
    return;
  }
  const settings = current() || {};
  const ids = invoices.map(i => i.invoice_id);
  const total = invoices.reduce((sum, i) => sum + i.balance, 0);
  const cards = methods.filter(m => m.type === 'card');
  const banks = methods.filter(m => m.type === 'bank_account' && m.bank.status === 'verified');
  const state = {method: 'card', saved: (cards.find(m => m.default) || cards[0] || {}).payment_method_id || 'new',
                 bank: (banks.find(m => m.default) || banks[0] || {}).payment_method_id, save: false, card: null,
                 quote: null, key: null, authorized: false};

  // The new card's Stripe Element stays in one node for the whole payment (moving Stripe's iframe empties it).
  const mount = h('div', {id: 'many-card-element'});
  const cardError = h('p', {class: 'field-error', role: 'alert'});
  const cardPanel = h('div', {class: 'card-panel'},
    h('p', {class: 'hint'}, 'Card details go straight to our payment processor, Stripe; we never see or store them.'),
    mount, cardError,
    h('label', {class: 'choice'}, h('input', {type: 'checkbox', name: 'save', onchange: e => { state.save = e.target.checked; }}),
      'Save this card for future payments'));
  let complete = false;
  stripe().then(s => {
    state.stripe = s;
    state.card = s.elements().create('card');
    state.card.mount(mount);
    state.card.on('change', event => { complete = !!event.complete; cardError.textContent = event.error ? event.error.message : ''; });
  }).catch(err => { cardError.textContent = err.message; });

  const top = h('div', {});
  const bottom = h('div', {});
  let onSubmit = () => {};
  const layout = h('form', {novalidate: true, onsubmit: event => { event.preventDefault(); onSubmit(); }}, top, cardPanel, bottom);
  function place(topChildren, bottomChildren, showCard) {
    cardPanel.hidden = !showCard;
    fill(top, topChildren);
    fill(bottom, bottomChildren);
    if (layout.parentNode !== modal.box) modal.show(layout);
    const heading = top.querySelector('h2');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); }
  }

  const invoiceList = () => h('ul', {class: 'invoice-list'}, invoices.map(i => h('li', {},
    h('span', {}, `Invoice ${i.number}`, h('span', {class: 'hint'}, ` due ${day(i.due_date)}`)), h('span', {class: 'num'}, money(i.balance, c)))),
    h('li', {class: 'total'}, h('span', {}, 'Total'), h('span', {class: 'num'}, money(total, c))));

  function form(error) {
    const radio = (name, value, checked, label, onchange) => h('label', {class: 'choice'},
      h('input', {type: 'radio', name, value, checked, onchange}), label);
    const newCard = state.method === 'card' && state.saved === 'new';
    const details = state.method === 'card'
      ? h('fieldset', {}, h('legend', {}, 'Card'),
        cards.map(m => radio('saved', m.payment_method_id, state.saved === m.payment_method_id, savedMethodText(m),
          () => { state.saved = m.payment_method_id; form(); })),
        cards.length ? radio('saved', 'new', newCard, 'A new card', () => { state.saved = 'new'; form(); })
          : h('p', {class: 'hint'}, 'Enter your card below.'))
      : h('fieldset', {}, h('legend', {}, 'Bank account'),
        banks.length ? banks.map(m => radio('bank', m.payment_method_id, state.bank === m.payment_method_id, savedMethodText(m),
          () => { state.bank = m.payment_method_id; }))
          : h('p', {class: 'note'}, 'You have no verified bank account yet. Link one in ', h('a', {href: '/account'}, 'Account Settings'), '.'),
        h('p', {class: 'hint'}, 'One bank transfer (ACH) for all of them: 3-5 business days to settle.'));
    const errorBox = h('div', {role: 'alert'}, error ? h('p', {class: 'error'}, error) : null);
    const notice = cardFeeNotice();
    onSubmit = review;
    place([h('h2', {id: 'pay-many-title'}, title),
      h('p', {}, 'The full balance of each invoice, in one payment.'), invoiceList(), errorBox,
      h('fieldset', {}, h('legend', {}, 'Payment method'),
        radio('method', 'card', state.method === 'card', 'Card', () => { state.method = 'card'; form(); }),
        radio('method', 'ach', state.method === 'ach', 'Bank transfer (ACH)', () => { state.method = 'ach'; form(); }),
        notice ? h('p', {class: 'hint'}, notice) : null),
      details],
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Review payment'),
      h('button', {type: 'button', onclick: modal.close}, 'Cancel')), newCard);
  }

  function chosenMethodText() {
    if (state.method === 'ach') return savedMethodText(banks.find(m => m.payment_method_id === state.bank));
    if (state.saved !== 'new') return savedMethodText(cards.find(m => m.payment_method_id === state.saved));
    const card = state.quote && state.quote.card;
    return card ? methodText({card}) : 'New card';
  }

  // What is sent for the quote and the payment: the invoices and the way to pay.
  async function paying() {
    if (state.method === 'ach') return {method: 'ach', payment_method_id: state.bank};
    if (state.saved !== 'new') return {method: 'card', payment_method_id: state.saved};
    if (!state.pm) {  // the card Stripe.js collected, as a PaymentMethod: the API reads its funding from Stripe
      const made = await state.stripe.createPaymentMethod({type: 'card', card: state.card,
        billing_details: {email: account.billing_email, name: account.name}});
      if (made.error) throw new Error(made.error.message);  // Stripe.js's own words about the card
      state.pm = made.paymentMethod.id;
    }
    return {method: 'card', stripe_payment_method: state.pm};
  }

  async function review() {
    if (state.method === 'ach' && !state.bank) return form('Choose a verified bank account.');
    if (state.method === 'card' && state.saved === 'new') {
      if (!state.card) return form('The card form is still loading.');
      if (!complete) { cardError.textContent = cardError.textContent || 'Enter your card details: the card number, expiration date, security code and ZIP code.'; return; }
    }
    place([h('h2', {id: 'pay-many-title'}, 'Checking the total…'), h('p', {role: 'status'}, 'One moment.')], [], false);
    try {
      state.way = await paying();
      state.quote = await post('/payments/quote', {invoice_ids: ids, ...state.way});
    } catch (err) {
      state.pm = null;
      return form(said(err));
    }
    state.key = newKey();  // one key per reviewed payment: a repeated submit can never charge twice
    reviewStep();
  }

  function feeLine(q) {
    if (state.method !== 'card' || !q.card_fee) return null;
    const fee = q.card_fee;
    if (fee.amount > 0) return [h('dt', {}, `Card fee (${percent(fee.basis_points)}, credit card)`), h('dd', {}, money(fee.amount, q.currency))];
    return [h('dt', {}, 'Card fee'), h('dd', {}, `None: ${fee.card_funding === 'prepaid' ? 'prepaid' : 'debit'} card`)];
  }

  function reviewStep(error) {
    const q = state.quote;
    const submitButton = h('button', {type: 'submit', class: 'primary'}, `Pay ${money(q.total, q.currency)}`);
    onSubmit = submit;
    place([h('h2', {id: 'pay-many-title'}, 'Review your payment'),
      error ? h('p', {class: 'error', role: 'alert'}, error) : null,
      h('div', {class: 'review'}, h('p', {class: 'big'}, money(q.total, q.currency)),
        h('dl', {}, q.allocations.map(a => [h('dt', {}, `Invoice ${a.invoice_number}`), h('dd', {}, money(a.amount, q.currency))]),
          feeLine(q),
          h('dt', {}, 'Total'), h('dd', {}, money(q.total, q.currency)),
          h('dt', {}, 'Method'), h('dd', {}, chosenMethodText()))),
      q.card_fee && q.card_fee.amount ? h('p', {class: 'hint', id: 'card-fee-terms'},
        `${settings.merchant ? settings.merchant.name : 'We'} add${settings.merchant ? 's' : ''} this fee to credit card payments; it is not more than what accepting the card costs. `
        + 'A debit card or a bank transfer carries none, and a refund gives back its share of the fee.') : null,
      state.method === 'ach' ? h('div', {class: 'authorization'},
        h('p', {id: 'many-authorization-text'}, settings.ach_authorization_text),
        h('label', {class: 'choice'}, h('input', {type: 'checkbox', id: 'many-authorize', 'aria-describedby': 'many-authorization-text',
          onchange: e => { state.authorized = e.target.checked; }}), `I authorize this one-time debit of ${money(q.total, q.currency)}`),
        h('p', {id: 'many-authorize-error', class: 'field-error', role: 'alert'})) : null],
    h('div', {class: 'actions'}, submitButton, h('button', {type: 'button', onclick: () => { state.quote = null; form(); }}, 'Back')), false);
  }

  function working() {
    modal.busy = true;
    onSubmit = () => {};
    place([h('h2', {id: 'pay-many-title'}, 'Processing your payment…'), h('p', {role: 'status'}, "Please don't close this window or pay again.")], [], false);
  }

  const start = () => post('/payments', {invoice_ids: ids, ...state.way,
    ...(state.method === 'card' ? {card_fee: (state.quote.card_fee && state.quote.card_fee.amount) || 0} : {}),
    ...(state.method === 'card' && state.saved === 'new' && state.save ? {save_payment_method: true} : {}),
    ...(state.method === 'ach' ? {ach_authorization: {accepted: true, text: settings.ach_authorization_text}} : {})},
    {'Idempotency-Key': state.key});

  async function submit() {
    if (state.method === 'ach' && !state.authorized) {
      document.getElementById('many-authorize-error').textContent = 'Tick the box to authorize the debit, or go back.';
      document.getElementById('many-authorize').focus();
      return;
    }
    working();
    let payment;
    try {
      payment = await start();
    } catch (err) {
      modal.busy = false;
      if (err instanceof ApiError && err.code === 'card_fee_changed') {  // quote again, show the new fee
        try { state.quote = await post('/payments/quote', {invoice_ids: ids, ...state.way}); } catch (again) { return form(again.message); }
        state.key = newKey();
        return reviewStep(err.message);
      }
      if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) return unknown();
      state.pm = null;
      return form(said(err));
    }
    if (payment.next_action === 'authenticate' && payment.client_secret) {
      const result = await state.stripe.confirmCardPayment(payment.client_secret);
      if (result.error && !['card_error', 'validation_error', 'invalid_request_error'].includes(result.error.type)) return unknown();
      payment = await settled(payment.payment_id).catch(() => null);
      if (!payment) return unknown();
    }
    if (payment.status === 'failed' || payment.status === 'canceled') return declined(payment);
    return confirmed(payment);
  }

  function confirmed(payment) {
    modal.busy = false;
    const ach = payment.method === 'ach';
    announce(ach ? 'Bank payment submitted.' : 'Payment successful.');
    modal.show(h('h2', {id: 'pay-many-title'}, ach ? 'Payment submitted' : 'Payment successful'),
      h('p', {class: 'big'}, money(payment.amount, payment.currency)),
      h('div', {class: 'review'}, h('dl', {},
        payment.allocations.map(a => [h('dt', {}, `Invoice ${a.invoice_number}`), h('dd', {}, ach ? 'Processing' : 'Paid in full')]),
        payment.card_fee ? [h('dt', {}, 'Card fee'), h('dd', {}, money(payment.card_fee, payment.currency))] : null,
        h('dt', {}, 'Method'), h('dd', {}, methodText(payment)))),
      ach ? h('p', {class: 'note'}, `Bank transfers take 3-5 business days. We'll email ${account.billing_email} when it settles.`)
        : h('p', {class: 'success'}, `One receipt for all ${count} is on its way to ${account.billing_email}.`),
      h('div', {class: 'actions'}, h('button', {type: 'button', class: 'primary', autofocus: true, onclick: modal.close}, 'Done')));
  }

  function declined(payment) {
    modal.busy = false;
    state.pm = null;
    if (state.card) state.card.clear();
    announce('Payment declined.');
    modal.show(h('h2', {id: 'pay-many-title'}, payment.method === 'ach' ? 'Your bank payment did not go through' : 'Your card was declined'),
      h('p', {class: 'error', role: 'alert'}, (payment.failure && payment.failure.message) || 'Your payment did not go through.'),
      h('p', {}, 'You were not charged. You can try a different payment method.'),
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'primary', autofocus: true, onclick: () => { state.saved = 'new'; form(); }}, 'Try a different payment method'),
        h('button', {type: 'button', onclick: modal.close}, 'Close')));
  }

  // Lost contact mid-way: the same Idempotency-Key again returns the same payment (never a second one).
  async function unknown() {
    modal.busy = true;
    modal.show(h('h2', {id: 'pay-many-title'}, "Don't pay again yet"), h('p', {role: 'status'}, 'Checking whether your payment went through…'));
    let payment = null;
    for (let attempt = 0; attempt < 5 && !payment; attempt++) {
      try { payment = await start(); } catch (err) { await sleep(1500); }
    }
    modal.busy = false;
    if (payment && payment.status !== 'failed' && payment.status !== 'canceled') return confirmed(payment);
    if (payment) return declined(payment);
    modal.show(h('h2', {id: 'pay-many-title'}, "Don't pay again yet"),
      h('p', {}, 'We still cannot tell. Check your Payment history in a few minutes before paying again.'),
      h('div', {class: 'actions'}, h('button', {type: 'button', class: 'primary', autofocus: true, onclick: modal.close}, 'Close')));
  }

  form();
}
