// "Account Settings": saved cards and bank accounts (default, remove, expiring cards, link and verify a bank
// account, add a card), autopay (views/autopay.js), the billing email (a new one waits for the link emailed to it:
// #confirm_email=<token> brings the client here, signed in, to confirm it), and reminder preferences.

import {get, post, patch, del} from '../api.js';
import {h, fill, money, parseCents, badge, savedMethodText, announce} from '../dom.js';
import {openModal} from '../modal.js';
import {stripe} from '../stripe.js';
import {current} from '../config.js';
import {autopaySection} from './autopay.js';

// GET /account's bank_payments: our payment processor holds or stops a client's bank transfers after some returns.
export const BANK_PAYMENTS_OFF = {
  suspended: 'Bank transfers from your account are on hold with our payment processor, usually after a bank returned a payment. Pay by card for now, and contact us to lift the hold.',
  deactivated: 'Bank transfers from your account were turned off by our payment processor after a bank returned a payment as not authorized. Pay by card, or contact us to turn them back on.',
};

function methodRow(m, reload, status) {
  const actions = h('div', {class: 'actions'});
  const act = async (fn, done) => {
    try { await fn(); announce(done); await reload(); } catch (err) { status.replaceChildren(h('p', {class: 'error'}, err.message)); }
  };
  const label = savedMethodText(m);
  const usable = m.type === 'card' || m.bank.status === 'verified';
  if (!m.default && usable) actions.append(h('button', {type: 'button', 'aria-label': `Make default: ${label}`,
    onclick: () => act(() => post(`/payment-methods/${m.payment_method_id}/default`), `${label} is now your default.`)}, 'Make default'));
  if (m.type === 'bank_account' && m.bank.status === 'verification_pending') {
    actions.append(h('button', {type: 'button', 'aria-label': `Verify: ${label}`, onclick: () => openVerify(m, reload)}, 'Verify'));
  }
  actions.append(h('button', {type: 'button', class: 'danger', 'aria-label': `Remove: ${label}`, onclick: () => {
    actions.replaceChildren(h('span', {}, `Remove ${label}?`),
      h('button', {type: 'button', class: 'danger', onclick: () => act(() => del(`/payment-methods/${m.payment_method_id}`), `${label} removed.`)}, 'Yes, remove'),
      h('button', {type: 'button', onclick: reload}, 'Keep it'));
    actions.querySelector('button').focus();
  }}, 'Remove'));
  return h('li', {}, h('span', {class: 'what'}, label,
    m.card ? h('span', {class: 'hint'}, ` · expires ${String(m.card.exp_month).padStart(2, '0')}/${m.card.exp_year} `) : ' ',
    m.default ? badge('paid', 'Default') : null,
    m.card && m.card.expires_soon ? badge('soon', 'Expires soon') : null,
    m.bank ? badge(m.bank.status) : null,
    m.bank && m.bank.status === 'verification_pending' && m.bank.verification_attempts_remaining < 3
      ? h('span', {class: 'hint'}, ` ${m.bank.verification_attempts_remaining} verification attempt${m.bank.verification_attempts_remaining === 1 ? '' : 's'} left`) : null,
    m.bank && m.bank.verify_again
      ? h('span', {class: 'hint'}, ' Your bank asked us to check this account again: verify it with the two new small deposits.') : null), actions);
}

function openVerify(m, reload) {
  const modal = openModal('verify-title', {onClose: reload});
  const one = h('input', {type: 'text', inputmode: 'decimal', id: 'deposit-1', name: 'deposit1', autofocus: true, placeholder: '0.00'});
  const two = h('input', {type: 'text', inputmode: 'decimal', id: 'deposit-2', name: 'deposit2', placeholder: '0.00'});
  const status = h('div', {role: 'alert'});
  modal.show(h('form', {onsubmit: async event => {
    event.preventDefault();
    const amounts = [parseCents(one.value), parseCents(two.value)];
    if (amounts.some(a => a === null || a < 1 || a > 9)) {
      status.replaceChildren(h('p', {class: 'error'}, 'Each deposit is under 10 cents: enter both as they appear on your statement, for example 0.03.'));
      return;
    }
    try {
      await post(`/payment-methods/${m.payment_method_id}/verify`, {amounts});
      announce('Bank account verified.');
      modal.show(h('h2', {id: 'verify-title'}, 'Bank account verified'),
        h('p', {class: 'success'}, `${savedMethodText(m)} is verified: you can pay invoices by bank transfer (ACH).`),
        h('div', {class: 'actions'}, h('button', {type: 'button', class: 'primary', autofocus: true, onclick: modal.close}, 'Done')));
    } catch (err) {
      status.replaceChildren(h('p', {class: 'error'}, err.message));
    }
  }}, h('h2', {id: 'verify-title'}, 'Verify your bank account'),
  h('p', {}, `We sent two small deposits (each under 10 cents) to ${savedMethodText(m)}. They take 1-2 business days to show on your statement.`),
  h('label', {for: 'deposit-1'}, 'First deposit ($)'), one, h('label', {for: 'deposit-2'}, 'Second deposit ($)'), two, status,
  h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Verify'), h('button', {type: 'button', onclick: modal.close}, 'Cancel'))));
}

function openAddCard(account, reload) {
  const modal = openModal('card-title', {onClose: reload});
  const mount = h('div', {id: 'card-element'});
  const status = h('p', {class: 'field-error', role: 'alert'});
  let card = null, s = null;
  const save = h('button', {type: 'submit', class: 'primary'}, 'Save card');
  modal.show(h('form', {onsubmit: async event => {
    event.preventDefault();
    if (!card) return;
    save.disabled = true;
    modal.busy = true;
    try {
      const {client_secret: secret} = await post('/payment-methods/setup');
      const result = await s.confirmCardSetup(secret, {payment_method: {card, billing_details: {email: account.billing_email, name: account.name}}});
      if (result.error) throw new Error(result.error.message);
      announce('Card saved.');
      modal.busy = false;
      modal.show(h('h2', {id: 'card-title'}, 'Card saved'),
        h('p', {class: 'success'}, 'Your card is saved: it appears in your payment methods in a moment.'),
        h('div', {class: 'actions'}, h('button', {type: 'button', class: 'primary', autofocus: true, onclick: modal.close}, 'Done')));
    } catch (err) {
      modal.busy = false;
      status.textContent = err.message;
      save.disabled = false;
    }
  }}, h('h2', {id: 'card-title'}, 'Add a card'),
  h('p', {class: 'hint'}, 'Card details go straight to our payment processor, Stripe; we never see or store them.'),
  mount, status, h('div', {class: 'actions'}, save, h('button', {type: 'button', onclick: modal.close}, 'Cancel'))));
  stripe().then(instance => {
    s = instance;
    card = s.elements().create('card');
    card.mount(mount);
    card.on('change', e => { status.textContent = e.error ? e.error.message : ''; });
    card.focus();
  }).catch(err => { status.textContent = err.message; });
}

function bankForm(reload) {
  const fields = {
    holder_name: h('input', {type: 'text', id: 'bank-holder', name: 'holder_name', autocomplete: 'name', required: true}),
    routing_number: h('input', {type: 'text', id: 'bank-routing', name: 'routing_number', inputmode: 'numeric', required: true, maxlength: '9'}),
    account_number: h('input', {type: 'text', id: 'bank-account', name: 'account_number', inputmode: 'numeric', required: true, maxlength: '17'}),
    account_type: h('select', {id: 'bank-type', name: 'account_type'}, h('option', {value: 'checking'}, 'Checking'), h('option', {value: 'savings'}, 'Savings')),
  };
  const status = h('div', {role: 'alert'});
  return h('form', {class: 'panel', onsubmit: async event => {
    event.preventDefault();
    try {
      const m = await post('/payment-methods/bank-accounts', Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value.trim()])));
      announce(`${savedMethodText(m)} linked. Verify it once the two deposits arrive.`);
      await reload(`${savedMethodText(m)} is linked. We sent two small deposits: verify it with their amounts once they arrive (1-2 business days).`);
    } catch (err) {
      status.replaceChildren(h('p', {class: 'error'}, err.message));
    }
  }}, h('h3', {}, 'Link a bank account'),
  h('p', {class: 'hint'}, 'For bank transfers (ACH): lower fees, 3-5 business days to settle. We keep only the bank name, account type and last 4 digits.'),
  h('label', {for: 'bank-holder'}, 'Account holder name'), fields.holder_name,
  h('label', {for: 'bank-routing'}, 'Routing number'), fields.routing_number,
  h('label', {for: 'bank-account'}, 'Account number'), fields.account_number,
  h('label', {for: 'bank-type'}, 'Account type'), fields.account_type, status,
  h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Link bank account')));
}

// Reminder days: the choices and the most PATCH /account accepts come from GET /portal-settings, so the form
// can never offer what the API refuses. Saving reloads the page (a new billing email shows as waiting for its
// link); the saved message is announced next to the button (aria-live), in view.
function settingsForm(account, reload, saved) {
  const rules = current().reminder_days;
  const email = h('input', {type: 'email', id: 'billing-email', name: 'billing_email', value: account.billing_email, required: true, autocomplete: 'email'});
  const reminders = h('input', {type: 'checkbox', id: 'reminders', name: 'due_date_reminders', checked: account.due_date_reminders});
  const choices = [...new Set([...rules.choices, ...account.reminder_days_before])].sort((a, b) => a - b);
  const boxes = choices.map(d => h('input', {type: 'checkbox', name: 'reminder_day', value: String(d),
    checked: account.reminder_days_before.includes(d)}));
  const limit = () => {
    const chosen = boxes.filter(b => b.checked).length;
    boxes.forEach(b => { b.disabled = !b.checked && chosen >= rules.max_chosen; });
  };
  boxes.forEach(b => b.addEventListener('change', limit));
  limit();
  const status = h('div', {class: 'saved-status', role: 'status', 'aria-live': 'polite'});
  const say = node => { status.replaceChildren(node); status.scrollIntoView({block: 'nearest'}); };
  if (saved) setTimeout(() => say(h('p', {class: 'success'}, saved)), 0);
  return h('form', {class: 'panel', onsubmit: async event => {
    event.preventDefault();
    const chosen = boxes.filter(i => i.checked).map(i => Number(i.value));
    try {
      const saved = await patch('/account', {billing_email: email.value.trim(), due_date_reminders: reminders.checked,
                                             ...(chosen.length ? {reminder_days_before: chosen} : {})});
      const asked = saved.pending_billing_email && saved.pending_billing_email !== account.pending_billing_email;
      await reload({saved: asked ? `Your settings are saved. To change your billing email, open the link we sent to ${saved.pending_billing_email}.`
                                 : 'Your settings are saved.'});
    } catch (err) {
      say(h('p', {class: 'error'}, err.message));
    }
  }}, h('label', {for: 'billing-email'}, 'Billing email'),
  h('p', {class: 'hint'}, 'Receipts and notices go here. Payment receipts are always sent.'), email,
  account.pending_billing_email ? h('p', {class: 'note', id: 'pending-email'},
    `Waiting for confirmation: we sent a link to ${account.pending_billing_email} (it works for 24 hours). `
    + `Until it is opened, receipts and notices keep going to ${account.billing_email}.`) : null,
  h('label', {class: 'choice'}, reminders, 'Email me reminders before an invoice is due'),
  h('fieldset', {'aria-describedby': 'reminder-limit'}, h('legend', {}, 'Send reminders'),
    h('p', {class: 'hint', id: 'reminder-limit'}, `Choose up to ${rules.max_chosen}.`),
    choices.map((d, i) => h('label', {class: 'choice'}, boxes[i], d === 1 ? '1 day before' : `${d} days before`))),
  h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Save settings'), status));
}

// The link emailed to a new billing email: the token is in the fragment (never sent to a server); it is taken out
// of the address bar at once and sent by this signed-in page, which is what confirms the address.
async function confirmEmailLink() {
  const match = /^#confirm_email=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!match) return null;
  history.replaceState(history.state, '', location.pathname);
  try {
    const account = await post('/account/billing-email/confirm', {token: match[1]});
    return {text: `Your billing email is now ${account.billing_email}.`};
  } catch (err) {
    return {text: err.message, error: true};
  }
}

export async function accountPage(main, message) {
  const reload = text => accountPage(main, text);
  const confirmed = await confirmEmailLink();
  if (confirmed) message = confirmed;
  const [{payment_methods: methods}, account] = await Promise.all([get('/payment-methods'), get('/account')]);
  const status = h('div', {role: 'alert'});
  fill(main, h('h1', {}, 'Account Settings'),
    typeof message === 'string' ? h('p', {class: 'success', role: 'status'}, message) : null,
    message && message.text ? h('p', {class: message.error ? 'error' : 'success', role: message.error ? 'alert' : 'status'}, message.text) : null,
    h('section', {'aria-labelledby': 'methods-h'}, h('h2', {id: 'methods-h'}, 'Saved payment methods'), status,
      account.bank_payments && account.bank_payments !== 'available' ? h('p', {class: 'note'}, BANK_PAYMENTS_OFF[account.bank_payments]) : null,
      methods.length ? h('ul', {class: 'methods panel'}, methods.map(m => methodRow(m, reload, status)))
        : h('p', {class: 'hint'}, 'No saved payment methods yet.'),
      h('div', {class: 'actions'}, h('button', {type: 'button', onclick: () => openAddCard(account, reload)}, 'Add a card')),
      bankForm(reload)),
    autopaySection(account, methods, reload),
    h('section', {'aria-labelledby': 'settings-h'}, h('h2', {id: 'settings-h'}, 'Billing email and reminders'),
      account.credit_balance ? h('p', {class: 'note'}, `You have ${money(account.credit_balance)} of credit with us.`) : null,
      settingsForm(account, reload, message && message.saved)));
}
