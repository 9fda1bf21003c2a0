// Account Settings: "Autopay". On: which method pays, since when, and "Turn off autopay". Off: a saved card or a
// verified bank account to choose, the recurring authorization (GET /portal-settings autopay_authorization_text)
// with its checkbox, and "Turn on autopay". The API keeps the accepted text with its time and emails a copy.

import {put, del} from '../api.js';
import {h, fill, savedMethodText, dateTime, announce} from '../dom.js';
import {current} from '../config.js';

function when(days) {
  return days ? `${days} day${days === 1 ? '' : 's'} before each due date` : 'on each due date';
}

function expired(method, today = new Date()) {
  if (!method.card) return method.bank.status !== 'verified';
  const end = new Date(Date.UTC(method.card.exp_year, method.card.exp_month, 0));  // the month's last day
  return end < new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
}

export function autopaySection(account, methods, reload) {
  const settings = current();
  const section = h('section', {'aria-labelledby': 'autopay-h', id: 'autopay'});
  const status = h('div', {class: 'saved-status', role: 'status', 'aria-live': 'polite'});
  const say = (cls, text) => { status.replaceChildren(h('p', {class: cls}, text)); status.scrollIntoView({block: 'nearest'}); };
  const on = account.autopay;
  const heading = h('h2', {id: 'autopay-h'}, 'Autopay');
  const notice = `Before each charge we email you its amount and date, at least ${settings.autopay_notice_days} days ahead.`;
  if (on) {
    const method = methods.find(m => m.payment_method_id === on.payment_method_id);
    const off = h('button', {type: 'button', class: 'danger'}, 'Turn off autopay');
    const actions = h('div', {class: 'actions'}, off, status);
    off.addEventListener('click', () => {
      const yes = h('button', {type: 'button', class: 'danger', onclick: async () => {
        try {
          await del('/account/autopay');
          announce('Autopay is off.');
          await reload('Autopay is off: pay your invoices yourself from now on.');
        } catch (err) { say('error', err.message); }
      }}, 'Yes, turn it off');
      fill(actions, h('span', {}, 'Turn off autopay? Charges already announced will not be made.'), yes,
        h('button', {type: 'button', onclick: () => reload()}, 'Keep it on'), status);
      yes.focus();
    });
    fill(section, heading, h('div', {class: 'panel'},
      h('p', {class: 'success'}, `Autopay is on: ${method ? savedMethodText(method) : 'your saved method'} pays each invoice, and each installment of a payment plan, ${when(settings.autopay_days_before)}.`),
      h('p', {class: 'hint'}, `${notice} Authorized ${dateTime(on.authorized_at)}; we emailed you a copy.`), actions));
    return section;
  }
  const usable = methods.filter(m => !expired(m));
  if (!usable.length) {
    fill(section, heading, h('p', {class: 'hint'}, 'Save a card or verify a bank account below, then turn on autopay to pay each invoice on its due date.'));
    return section;
  }
  const choice = h('select', {id: 'autopay-method', name: 'payment_method_id'},
    usable.map(m => h('option', {value: m.payment_method_id, selected: m.default}, savedMethodText(m))));
  const box = h('input', {type: 'checkbox', id: 'autopay-authorize', 'aria-describedby': 'autopay-text'});
  const boxError = h('p', {class: 'field-error', role: 'alert'});
  box.addEventListener('change', () => { if (box.checked) boxError.textContent = ''; });
  fill(section, heading, h('form', {class: 'panel', onsubmit: async event => {
    event.preventDefault();
    if (!box.checked) { boxError.textContent = 'Tick the box to authorize automatic payments.'; box.focus(); return; }
    try {
      await put('/account/autopay', {payment_method_id: choice.value,
        authorization: {accepted: true, text: settings.autopay_authorization_text}});
      announce('Autopay is on.');
      await reload('Autopay is on. We emailed you a copy of the authorization.');
    } catch (err) { say('error', err.message); }
  }}, h('p', {}, `Pay each invoice, and each installment of a payment plan, automatically ${when(settings.autopay_days_before)}. ${notice} Invoices due sooner than that are left for you to pay.`),
  h('label', {for: 'autopay-method'}, 'Pay with'), choice,
  h('fieldset', {class: 'authorization'}, h('legend', {}, 'Autopay authorization'),
    h('p', {id: 'autopay-text'}, settings.autopay_authorization_text),
    h('label', {class: 'choice'}, box, 'I authorize these automatic payments'), boxError),
  h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Turn on autopay'), status)));
  return section;
}
