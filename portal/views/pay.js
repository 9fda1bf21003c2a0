// The payment modal: method, amount (the balance, or part of it where the invoice allows), card through
// Stripe.js or a saved method, review, "Submit Payment", then the confirmation, a decline with its reason,
// or, if something broke mid-way, whether the payment went through (asked from the API, never guessed).

import {get, post, ApiError} from '../api.js';
import {h, fill, money, day, parseCents, methodText, savedMethodText, newKey, announce} from '../dom.js';
import {openModal} from '../modal.js';
import {stripe} from '../stripe.js';
import {current} from '../config.js';
import {nextInstallment} from './plan.js';
import {BANK_PAYMENTS_OFF} from './account.js';

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// The webhook moves a confirmed card payment out of "pending" shortly after Stripe answers.
async function settled(paymentId, {seconds = 20} = {}) {
  const deadline = Date.now() + seconds * 1000;
  let payment = await get(`/payments/${paymentId}`);
  while (payment.status === 'pending' && Date.now() < deadline) {
    await sleep(500);
    payment = await get(`/payments/${paymentId}`);
  }
  return payment;
}

// A new card's brand and last 4 reach the payment record with the receipt, a moment after the success.
async function withCardDetails(payment) {
  const deadline = Date.now() + 8000;
  while (payment.method === 'card' && payment.status === 'succeeded' && !payment.card && Date.now() < deadline) {
    await sleep(500);
    payment = await get(`/payments/${payment.payment_id}`);
  }
  return payment;
}

export async function openPayment(invoiceId, onDone) {
  const modal = openModal('pay-title', {onClose: onDone});
  modal.show(h('h2', {id: 'pay-title'}, 'Pay invoice'), h('p', {}, 'Loading…'));
  let invoice, methods, account;
  try {
    [invoice, {payment_methods: methods}, account] = await Promise.all([
      get(`/invoices/${encodeURIComponent(invoiceId)}`), get('/payment-methods'), get('/account')]);
  } catch (err) {
    modal.show(h('h2', {id: 'pay-title'}, 'Pay invoice'), h('p', {class: 'error', role: 'alert'}, err.message),
      h('div', {class: 'actions'}, h('button', {type: 'button', onclick: modal.close, autofocus: true}, 'Close')));
    return;
  }
  const c = invoice.currency;
  const cards = methods.filter(m => m.type === 'card');
  const banks = methods.filter(m => m.type === 'bank_account' && m.bank.status === 'verified');
  // On a payment plan "Pay Now" suggests the next installment (more covers the next ones too).
  const next = nextInstallment(invoice);
  const state = {method: 'card', full: !next || next.amount_due >= invoice.balance, amount: next ? next.amount_due : invoice.balance,
                 saved: (cards.find(m => m.default) || cards[0] || {}).payment_method_id || 'new',
                 bank: (banks.find(m => m.default) || banks[0] || {}).payment_method_id, save: false, key: null, card: null,
                 authorized: false};
  const settings = current() || {};
  const cardMinimum = (settings.card_minimum_amounts || {})[c] || 0;

  // The new card's Stripe Element lives in one node that is never moved or rebuilt while this payment is being
  // made (moving Stripe's iframe would reload it, empty): "Back" from the review finds the card as typed.
  // Its `change` events say whether it is complete, or what is wrong, before anything is sent.
  let cardPanel = null;
  function newCardPanel() {
    const mount = h('div', {id: 'card-element'});
    const cardError = h('p', {id: 'card-error', class: 'field-error', role: 'alert'});
    const panel = {complete: false, error: null, cardError,
      node: h('div', {class: 'card-panel'},
        h('p', {class: 'hint'}, 'Card details go straight to our payment processor, Stripe; we never see or store them.'),
        mount, cardError,
        h('label', {class: 'choice'}, h('input', {type: 'checkbox', name: 'save', checked: state.save,
          onchange: e => { state.save = e.target.checked; }}), 'Save this card for future payments'))};
    stripe().then(s => {
      state.stripe = s;
      state.card = s.elements().create('card');
      state.card.mount(mount);
      state.card.on('change', event => {
        panel.complete = !!event.complete;
        panel.error = event.error ? event.error.message : null;
        cardError.textContent = panel.error || '';
      });
    }).catch(err => { cardError.textContent = err.message; });
    return panel;
  }

  function dropCard() {
    if (cardPanel) cardPanel.node.remove();
    cardPanel = null;
    state.card = null;
  }

  // One form for the whole payment: `top` and `bottom` change with each step, the card panel stays put.
  const top = h('div', {});
  const bottom = h('div', {});
  let onSubmit = () => {};
  const layout = h('form', {novalidate: true, onsubmit: event => { event.preventDefault(); onSubmit(); }}, top, bottom);

  function place(topChildren, bottomChildren, {card = false, focus = null} = {}) {
    if (card && !cardPanel) cardPanel = newCardPanel();
    if (cardPanel) {
      if (cardPanel.node.parentNode !== layout) layout.insertBefore(cardPanel.node, bottom);
      cardPanel.node.hidden = !card;
    }
    fill(top, topChildren);
    fill(bottom, bottomChildren);
    if (layout.parentNode !== modal.box) modal.show(layout);
    const target = focus || top.querySelector('h2');
    if (target) { if (target.tagName === 'H2') target.setAttribute('tabindex', '-1'); target.focus(); }
  }

  function form(error) {
    state.step = 'form';
    const errorBox = h('div', {role: 'alert'}, error ? h('p', {class: 'error'}, error) : null);
    const amountInput = h('input', {type: 'text', inputmode: 'decimal', id: 'pay-amount', name: 'amount',
      'aria-describedby': 'pay-amount-hint pay-amount-error', value: state.full ? '' : (state.amount / 100).toFixed(2),
      disabled: state.full});
    const amountError = h('p', {id: 'pay-amount-error', class: 'field-error'});
    const radio = (name, value, checked, label, onchange, extra = {}) => h('label', {class: 'choice'},
      h('input', {type: 'radio', name, value, checked, onchange, ...extra}), label);
    const redraw = () => form();

    const methodSet = h('fieldset', {}, h('legend', {}, 'Payment method'),
      radio('method', 'card', state.method === 'card', 'Card', () => { state.method = 'card'; redraw(); }),
      radio('method', 'ach', state.method === 'ach', 'Bank transfer (ACH)', () => { state.method = 'ach'; redraw(); }));

    const amountSet = h('fieldset', {}, h('legend', {}, 'Amount'),
      radio('amount', 'full', state.full, `Full balance: ${money(invoice.balance, c)}`, () => { state.full = true; redraw(); }),
      invoice.allow_partial ? [
        radio('amount', 'partial', !state.full, next ? 'Next installment, or another amount' : 'Partial amount',
          () => { state.full = false; redraw(); }),
        h('label', {for: 'pay-amount'}, `Amount to pay (${c.toUpperCase()})`), amountInput,
        h('p', {id: 'pay-amount-hint', class: 'hint'}, next
          ? `Installment ${next.number} is ${money(next.amount_due, c)}, due ${day(next.due_date)}. At least ${money(invoice.minimum_payment, c)}; more covers the next installments.`
          : `Minimum ${money(invoice.minimum_payment, c)}. The rest stays due on ${day(invoice.due_date)}.`),
        amountError] : h('p', {class: 'hint'}, 'This invoice must be paid in full.'));

    let methodDetails;
    const newCard = state.method === 'card' && state.saved === 'new';
    if (state.method === 'card') {
      methodDetails = h('fieldset', {}, h('legend', {}, 'Card'),
        cards.map(m => radio('saved', m.payment_method_id, state.saved === m.payment_method_id,
          `${savedMethodText(m)}, expires ${String(m.card.exp_month).padStart(2, '0')}/${m.card.exp_year}`,
          () => { state.saved = m.payment_method_id; redraw(); })),
        cards.length ? radio('saved', 'new', newCard, 'A new card', () => { state.saved = 'new'; redraw(); })
          : h('p', {class: 'hint'}, 'Enter your card below.'));
    } else if (BANK_PAYMENTS_OFF[account.bank_payments]) {
      methodDetails = h('p', {class: 'note'}, BANK_PAYMENTS_OFF[account.bank_payments]);
    } else {
      methodDetails = h('fieldset', {}, h('legend', {}, 'Bank account'),
        banks.length ? banks.map(m => radio('bank', m.payment_method_id, state.bank === m.payment_method_id,
          savedMethodText(m), () => { state.bank = m.payment_method_id; }))
          : h('p', {class: 'note'}, 'You have no verified bank account yet. Link one in ', h('a', {href: '/account'}, 'Account Settings'),
              ': we send two small deposits to check it (1-2 business days).'),
        h('p', {class: 'hint'}, 'Bank transfers (ACH) take 3-5 business days to settle.'));
    }

    const review = h('button', {type: 'submit', class: 'primary'}, 'Review payment');
    onSubmit = () => {
      errorBox.replaceChildren();
      if (!state.full) {
        const cents = parseCents(amountInput.value);
        let problem = null;
        if (cents === null || cents <= 0) problem = 'Enter an amount in dollars and cents, for example 150.00.';
        else if (cents > invoice.balance) problem = `That is more than the ${money(invoice.balance, c)} balance.`;
        else if (cents < invoice.minimum_payment && cents !== invoice.balance) {
          problem = `The minimum payment for this invoice is ${money(invoice.minimum_payment, c)}.`;
        }
        if (problem) {
          amountError.textContent = problem;
          amountInput.setAttribute('aria-invalid', 'true');
          amountInput.focus();
          return;
        }
        state.amount = cents;
      } else {
        state.amount = invoice.balance;
      }
      if (state.method === 'card' && state.amount < cardMinimum) {
        errorBox.replaceChildren(h('p', {class: 'error'}, `Card payments must be at least ${money(cardMinimum, c)}; pay this amount by bank transfer.`));
        return;
      }
      if (state.method === 'ach' && BANK_PAYMENTS_OFF[account.bank_payments]) { errorBox.replaceChildren(h('p', {class: 'error'}, 'Choose Card: bank transfers are not available for your account right now.')); return; }
      if (state.method === 'ach' && !state.bank) { errorBox.replaceChildren(h('p', {class: 'error'}, 'Choose a verified bank account.')); return; }
      if (newCard) {
        if (!state.card) { errorBox.replaceChildren(h('p', {class: 'error'}, 'The card form is still loading.')); return; }
        if (!cardPanel.complete) {  // Stripe.js said so in its last change event: nothing is sent
          cardPanel.cardError.textContent = cardPanel.error ||
            'Enter your card details: the card number, expiration date, security code and ZIP code.';
          state.card.focus();
          return;
        }
      }
      state.key = newKey();  // one key per reviewed payment: a repeated submit can never charge twice
      reviewStep();
    };
    place([h('h2', {id: 'pay-title'}, `Pay invoice ${invoice.number}`),
      h('p', {}, `Balance ${money(invoice.balance, c)}, due ${day(invoice.due_date)}.`),
      errorBox, methodSet, amountSet, methodDetails],
    h('div', {class: 'actions'}, review, h('button', {type: 'button', onclick: modal.close}, 'Cancel')),
    {card: newCard});
  }

  function chosenMethodText() {
    if (state.method === 'ach') return savedMethodText(banks.find(m => m.payment_method_id === state.bank));
    if (state.saved !== 'new') return savedMethodText(cards.find(m => m.payment_method_id === state.saved));
    return 'New card';
  }

  function reviewStep() {
    state.step = 'review';
    const submitButton = h('button', {type: 'submit', class: 'primary'}, 'Submit Payment');
    onSubmit = submit;
    // The card panel is hidden, not removed: Stripe.js reads the card from it on submit.
    place([h('h2', {id: 'pay-title'}, 'Review your payment'),
      h('div', {class: 'review'}, h('p', {class: 'big'}, money(state.amount, c)),
        h('dl', {}, h('dt', {}, 'Invoice'), h('dd', {}, invoice.number),
          h('dt', {}, 'Amount'), h('dd', {}, state.amount === invoice.balance ? `${money(state.amount, c)} (full balance)` : money(state.amount, c)),
          h('dt', {}, 'Method'), h('dd', {}, chosenMethodText()),
          state.amount < invoice.balance ? [h('dt', {}, 'Left to pay'), h('dd', {}, `${money(invoice.balance - state.amount, c)} by ${day(invoice.due_date)}`)] : null)),
      state.method === 'ach' ? [h('p', {class: 'hint'}, 'Bank transfers take 3-5 business days; the invoice shows "Processing" until then.'),
        authorizationBox()] : null],
    h('div', {class: 'actions'}, submitButton, h('button', {type: 'button', onclick: () => form()}, 'Back')),
    {focus: submitButton});
  }

  // NACHA: a debit from a bank account needs the client's authorization; the API records this exact text.
  function authorizationBox() {
    state.authorized = false;
    return h('fieldset', {class: 'authorization'}, h('legend', {}, 'Debit authorization'),
      h('p', {id: 'ach-authorization-text'}, settings.ach_authorization_text),
      h('label', {class: 'choice'}, h('input', {type: 'checkbox', id: 'ach-authorize', 'aria-describedby': 'ach-authorization-text',
        onchange: e => { state.authorized = e.target.checked; if (state.authorized) document.getElementById('ach-authorize-error').textContent = ''; }}),
        `I authorize this one-time debit of ${money(state.amount, c)}`),
      h('p', {id: 'ach-authorize-error', class: 'field-error', role: 'alert'}));
  }

  function working(text) {
    modal.busy = true;
    onSubmit = () => {};
    place([h('h2', {id: 'pay-title'}, 'Processing your payment…'), h('p', {role: 'status'}, text)], []);
  }

  async function start() {
    const body = state.method === 'ach'
      ? {method: 'ach', payment_method_id: state.bank, ach_authorization: {accepted: true, text: settings.ach_authorization_text}}
      : state.saved !== 'new' ? {method: 'card', payment_method_id: state.saved}
      : {method: 'card', ...(state.save ? {save_payment_method: true} : {})};
    if (state.amount !== invoice.balance) body.amount = state.amount;
    return post(`/invoices/${invoice.invoice_id}/payments`, body, {'Idempotency-Key': state.key});
  }

  async function submit() {
    if (state.method === 'ach' && !state.authorized) {
      document.getElementById('ach-authorize-error').textContent = 'Tick the box to authorize the debit, or go back.';
      document.getElementById('ach-authorize').focus();
      return;
    }
    working("Please don't close this window or pay again.");
    let payment;
    try {
      payment = await start();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) return checkStatus(null);
      modal.busy = false;
      if (err.code === 'ach_weekly_limit') return overLimit(err);
      return form(err.message);
    }
    if (payment.method === 'ach') return payment.status === 'failed' ? declined(payment, null) : confirmed(payment);
    if (payment.status === 'succeeded') return confirmed(payment);
    if (payment.status === 'failed') return declined(payment, null);
    if (!payment.client_secret) return checkStatus(payment.payment_id);
    const s = state.stripe || await stripe();
    const result = payment.next_action === 'authenticate' || state.saved !== 'new'
      ? await s.confirmCardPayment(payment.client_secret)
      : await s.confirmCardPayment(payment.client_secret, {payment_method: {card: state.card,
          billing_details: {email: account.billing_email, name: account.name}}});
    if (result.error && /authentication_failure$/.test(result.error.code || '')) {
      return notAuthenticated(await settled(payment.payment_id, {seconds: 6}).catch(() => null));
    }
    if (result.error && ['card_error', 'validation_error'].includes(result.error.type)) {
      return declined(await settled(payment.payment_id, {seconds: 6}), result.error);
    }
    if (result.error) return checkStatus(payment.payment_id);
    const after = await settled(payment.payment_id).then(withCardDetails).catch(() => null);
    if (!after) return checkStatus(payment.payment_id);
    return after.status === 'failed' ? declined(after, null) : confirmed(after);
  }

  // The processor's weekly limit on bank transfers: nothing was recorded; pay by card, or what is left by bank.
  function overLimit(err) {
    const {available = 0, resets_on: resets} = err.details || {};
    const smaller = invoice.allow_partial && available >= Math.max(invoice.minimum_payment, 1)
      ? Math.min(available, invoice.balance) : 0;
    modal.show(h('h2', {id: 'pay-title'}, 'Over the weekly limit for bank transfers'),
      h('p', {class: 'error', role: 'alert'}, err.message),
      h('p', {}, available
        ? `You can still send ${money(available, c)} by bank transfer this week${resets ? `; the limit resets on ${day(resets)}` : ''}.`
        : `The limit resets${resets ? ` on ${day(resets)}` : ' next Monday'}.`),
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'primary', autofocus: true, onclick: () => { state.method = 'card'; form(); }}, 'Pay by card instead'),
        smaller ? h('button', {type: 'button', onclick: () => {
          state.full = false;
          state.amount = smaller;
          form();
          document.getElementById('pay-amount').focus();
        }}, `Pay ${money(smaller, c)} by bank transfer`) : null,
        h('button', {type: 'button', onclick: modal.close}, 'Close')));
  }

  function confirmed(payment) {
    modal.busy = false;
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

  function declined(payment, stripeError) {
    modal.busy = false;
    const reason = (payment && payment.failure && payment.failure.message) || (stripeError && stripeError.message) ||
      'Your payment did not go through.';
    dropCard();  // a new card form for the next try
    announce('Payment declined.');
    modal.show(h('h2', {id: 'pay-title'}, payment && payment.method === 'ach' ? 'Your bank payment did not go through' : 'Your card was declined'),
      h('p', {class: 'error', role: 'alert'}, reason),
      h('p', {}, 'You were not charged. You can try a different payment method.'),
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'primary', autofocus: true, onclick: () => { state.saved = 'new'; form(); }},
          'Try a different payment method'),
        h('button', {type: 'button', onclick: modal.close}, 'Close')));
  }

  // The bank's 3-D Secure check did not pass (or was not completed): not a decline, and nothing was charged.
  function notAuthenticated(payment) {
    modal.busy = false;
    dropCard();
    announce('Your bank did not confirm this payment.');
    modal.show(h('h2', {id: 'pay-title'}, 'Your bank did not confirm this payment'),
      h('p', {class: 'error', role: 'alert'}, "The 3-D Secure check with your card's bank was not completed, so nothing was charged."),
      h('p', {}, 'Try again and complete the check in the window your bank shows, or use another card.'),
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'primary', autofocus: true, onclick: () => { state.saved = 'new'; form(); }}, 'Try again'),
        h('button', {type: 'button', onclick: modal.close}, 'Close')));
  }

  // Something broke between us, Stripe and the bank: say so, and ask the API what really happened.
  async function checkStatus(paymentId) {
    modal.busy = true;
    const result = h('div', {role: 'status'}, h('p', {}, 'Checking whether your payment went through…'));
    const heading = h('h2', {id: 'pay-title'}, "Don't pay again yet");
    const warning = h('p', {class: 'warning'}, 'We lost contact while your payment was being processed. Please do not click Pay again: it may already have gone through.');
    modal.show(heading, warning, result);
    let payment = null;
    for (let attempt = 0; attempt < 5 && !payment; attempt++) {
      try {
        // Replaying the same Idempotency-Key returns the same payment: it never starts a second one.
        payment = paymentId ? await get(`/payments/${paymentId}`) : await start();
        if (payment.status === 'pending' && attempt < 4) { paymentId = payment.payment_id; payment = null; await sleep(1500); }
      } catch (err) {
        await sleep(1500);
      }
    }
    modal.busy = false;
    const close = h('button', {type: 'button', class: 'primary', onclick: modal.close}, 'Close');
    let next = close;
    // Once the answer is known the screen says it: the "don't pay again yet" warning is only for not knowing.
    if (!payment) {
      result.replaceChildren(h('p', {}, 'We still cannot tell. Check your Payment history in a few minutes before paying again.'), h('div', {class: 'actions'}, close));
    } else if (payment.status === 'succeeded' || payment.status === 'processing') {
      heading.textContent = 'Your payment went through';
      warning.remove();
      result.replaceChildren(h('p', {class: 'success'}, `Your payment of ${money(payment.amount, payment.currency)} went through${payment.status === 'processing' ? ' and is processing (a bank transfer takes 3-5 business days)' : ''}. There is nothing more to do: do not pay again.`), h('div', {class: 'actions'}, close));
    } else {
      heading.textContent = 'Your payment did not go through';
      warning.remove();
      close.classList.remove('primary');
      next = h('button', {type: 'button', class: 'primary', onclick: () => { dropCard(); form(); }}, 'Try again');
      result.replaceChildren(h('p', {}, 'You were not charged. You can try again.'), h('div', {class: 'actions'}, next, close));
    }
    next.focus();  // the result region (role=status) reads the answer; the keyboard is on what to do next
  }

  form();
}
