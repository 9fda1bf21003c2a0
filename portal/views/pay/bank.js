// Paying by bank transfer (ACH): the "Bank account" choices of the first step (or why bank transfers are off),
// and the debit authorization the review asks for.

import {h, money, savedMethodText} from '../../dom.js';
import {BANK_PAYMENTS_OFF} from '../account.js';

// Why bank transfers are not available for this account right now (the processor's hold), or null.
export function bankPaymentsOff(account) {
  return BANK_PAYMENTS_OFF[account.bank_payments] || null;
}

// The first step's bank part: the verified accounts to debit, or how to link one, or why bank transfers are off.
export function bankChoices({account, banks, choice}, radio) {
  const off = bankPaymentsOff(account);
  if (off) return h('p', {class: 'note'}, off);
  return h('fieldset', {}, h('legend', {}, 'Bank account'),
    banks.length ? banks.map(m => radio('bank', m.payment_method_id, choice.bank === m.payment_method_id,
      savedMethodText(m), () => { choice.bank = m.payment_method_id; }))
      : h('p', {class: 'note'}, 'You have no verified bank account yet. Link one in ', h('a', {href: '/account'}, 'Account Settings'),
          ': we send two small deposits to check it (1-2 business days).'),
    h('p', {class: 'hint'}, 'Bank transfers (ACH) take 3-5 business days to settle.'));
}

// NACHA: a debit from a bank account needs the client's authorization; the API records this exact text. Each
// review asks again (the box starts unticked).
export function authorizationBox({choice, settings, invoice}) {
  choice.authorized = false;
  return h('fieldset', {class: 'authorization'}, h('legend', {}, 'Debit authorization'),
    h('p', {id: 'ach-authorization-text'}, settings.ach_authorization_text),
    h('label', {class: 'choice'}, h('input', {type: 'checkbox', id: 'ach-authorize', 'aria-describedby': 'ach-authorization-text',
      onchange: e => { choice.authorized = e.target.checked; if (choice.authorized) document.getElementById('ach-authorize-error').textContent = ''; }}),
      `I authorize this one-time debit of ${money(choice.amount, invoice.currency)}`),
    h('p', {id: 'ach-authorize-error', class: 'field-error', role: 'alert'}));
}

// Before a bank transfer is submitted: the box ticked, or the problem said under it with the focus on the box.
export function authorized({choice}) {
  if (choice.authorized) return true;
  document.getElementById('ach-authorize-error').textContent = 'Tick the box to authorize the debit, or go back.';
  document.getElementById('ach-authorize').focus();
  return false;
}
