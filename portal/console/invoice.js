// One invoice in the console: what the client sees (amounts, line items, payments, the plan and its installments),
// and the merchant's actions: set up a payment plan (POST .../payment-plan: amounts that add up to the balance, dates
// in order from today), refund a payment, void the invoice.

import {get, post} from '../api.js';
import {h, fill, money, day, parseCents, newKey, badge, announce} from '../dom.js';
import {invoiceBadges} from '../views/invoices.js';
import {planTable, autopayNote, nextInstallment} from '../views/plan.js';
import {consoleError} from './words.js';
import {clientLink} from './attention.js';
import {paymentsTable} from './clients.js';

function todayIso() {
  const parts = new Intl.DateTimeFormat('en-CA', {year: 'numeric', month: '2-digit', day: '2-digit'}).formatToParts(new Date());
  const get = type => parts.find(p => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

function addMonths(iso, months) {
  const [y, m, d] = iso.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(d, last));
  return date.toISOString().slice(0, 10);
}

// Split `cents` into `count` installments a month apart from `first`: equal parts, the rest on the last one.
export function evenSplit(cents, count, first) {
  const part = Math.floor(cents / count);
  return Array.from({length: count}, (_, n) => ({amount: n === count - 1 ? cents - part * (count - 1) : part,
    due_date: addMonths(first, n)}));
}

function planForm(invoice, base, reload) {
  const c = invoice.currency;
  let key = newKey();
  const count = h('select', {id: 'plan-count', name: 'count'},
    [2, 3, 4, 6, 12].map(n => h('option', {value: String(n), selected: n === 3}, `${n} installments`)));
  // The first installment: the next one still owed of a plan being replaced, else the due date (today if past).
  const next = nextInstallment(invoice);
  const start = next ? next.due_date : invoice.due_date;
  const first = h('input', {type: 'date', id: 'plan-first', name: 'first', value: todayIso() > start ? todayIso() : start});
  const rows = h('tbody', {});
  const total = h('p', {class: 'hint', id: 'plan-total', 'aria-live': 'polite'});
  const status = h('div', {role: 'alert'});
  const inputs = [];
  const sum = () => inputs.reduce((s, [amount]) => s + (parseCents(amount.value) || 0), 0);
  const showTotal = () => {
    const cents = sum();
    total.textContent = cents === invoice.balance ? `Adds up to the balance, ${money(invoice.balance, c)}.`
      : `Adds up to ${money(cents, c)}; the balance is ${money(invoice.balance, c)}.`;
  };
  const fillRows = () => {
    inputs.length = 0;
    rows.replaceChildren(...evenSplit(invoice.balance, Number(count.value), first.value || todayIso()).map((i, n) => {
      const amount = h('input', {type: 'text', inputmode: 'decimal', id: `plan-amount-${n}`, value: (i.amount / 100).toFixed(2)});
      const due = h('input', {type: 'date', id: `plan-date-${n}`, value: i.due_date});
      amount.addEventListener('input', showTotal);
      inputs.push([amount, due]);
      return h('tr', {}, h('th', {scope: 'row'}, `${n + 1}`),
        h('td', {}, h('label', {class: 'visually-hidden', for: `plan-amount-${n}`}, `Installment ${n + 1} amount ($)`), amount),
        h('td', {}, h('label', {class: 'visually-hidden', for: `plan-date-${n}`}, `Installment ${n + 1} due date`), due));
    }));
    showTotal();
  };
  count.addEventListener('change', fillRows);
  first.addEventListener('change', fillRows);
  fillRows();
  return h('form', {class: 'panel', onsubmit: async event => {
    event.preventDefault();
    status.replaceChildren();
    const installments = inputs.map(([amount, due]) => ({amount: parseCents(amount.value), due_date: due.value}));
    if (installments.some(i => i.amount === null || i.amount <= 0 || !i.due_date)) {
      status.replaceChildren(h('p', {class: 'error'}, 'Each installment needs an amount and a due date.'));
      return;
    }
    try {
      await post(`${base}/payment-plan`, {installments}, {'Idempotency-Key': key});
      key = newKey();
      announce('Payment plan saved.');
      await reload('The payment plan is saved: the client sees its installments.');
    } catch (err) {
      status.replaceChildren(h('p', {class: 'error'}, consoleError(err)));
    }
  }}, h('p', {class: 'hint'}, `Split the balance, ${money(invoice.balance, c)}, into installments. Reminders, late fees and autopay then follow each installment's date; a payment covers them in order.`),
  h('div', {class: 'plan-controls'},
    h('div', {}, h('label', {for: 'plan-count'}, 'Installments'), count),
    h('div', {}, h('label', {for: 'plan-first'}, 'First due'), first)),
  h('div', {class: 'table-wrap'}, h('table', {class: 'plan-rows'},
    h('caption', {class: 'visually-hidden'}, 'Installments to save'),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, '#'), h('th', {scope: 'col'}, 'Amount ($)'), h('th', {scope: 'col'}, 'Due date'))),
    rows)),
  total, status,
  h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, invoice.payment_plan ? 'Replace the plan' : 'Save the plan')));
}

function voidControl(invoice, base, reload) {
  if (!['open'].includes(invoice.status) || invoice.amount_paid) return null;
  const actions = h('div', {class: 'actions'});
  const status = h('div', {role: 'alert'});
  const ask = h('button', {type: 'button', class: 'danger'}, 'Void this invoice');
  ask.addEventListener('click', () => {
    const yes = h('button', {type: 'button', class: 'danger', onclick: async () => {
      try {
        await post(`${base}/void`);
        announce('Invoice voided.');
        await reload('The invoice is void: the client sees it as canceled.');
      } catch (err) { status.replaceChildren(h('p', {class: 'error'}, consoleError(err))); }
    }}, 'Yes, void it');
    fill(actions, h('span', {}, `Void invoice ${invoice.number}? Nobody can pay it afterwards.`), yes,
      h('button', {type: 'button', onclick: () => reload()}, 'Keep it'));
    yes.focus();
  });
  actions.append(ask);
  return [actions, status];
}

export async function consoleInvoicePage(main, clientId, invoiceId, message) {
  const client = decodeURIComponent(clientId);
  const base = `/admin/clients/${encodeURIComponent(client)}/invoices/${encodeURIComponent(decodeURIComponent(invoiceId))}`;
  const reload = text => consoleInvoicePage(main, clientId, invoiceId, text);
  const [invoice, owner] = await Promise.all([get(base), get(`/admin/clients/${encodeURIComponent(client)}`)]);
  const c = invoice.currency;
  const ext = invoice.extension_request;
  fill(main, h('h1', {}, `Invoice ${invoice.number}`),
    typeof message === 'string' ? h('p', {class: 'success', role: 'status'}, message) : null,
    h('p', {}, 'Client: ', clientLink(client, owner.name)),
    h('div', {class: 'panel'}, h('dl', {class: 'summary'},
      h('div', {}, h('dt', {}, 'Status'), h('dd', {}, invoiceBadges(invoice))),
      h('div', {}, h('dt', {}, 'Due date'), h('dd', {}, day(invoice.due_date))),
      h('div', {}, h('dt', {}, 'Total'), h('dd', {}, money(invoice.total, c))),
      invoice.fees ? h('div', {}, h('dt', {}, 'Late fees'), h('dd', {}, money(invoice.fees, c))) : null,
      h('div', {}, h('dt', {}, 'Paid'), h('dd', {}, money(invoice.amount_paid, c))),
      invoice.amount_pending ? h('div', {}, h('dt', {}, 'Processing'), h('dd', {}, money(invoice.amount_pending, c))) : null,
      h('div', {class: 'balance'}, h('dt', {}, 'Balance'), h('dd', {}, money(invoice.balance, c)))),
      autopayNote(invoice), voidControl(invoice, base, reload)),
    ext ? h('p', {class: 'note'}, `Extension request to ${day(ext.requested_due_date)}: `,
      badge(ext.status === 'approved' ? 'paid' : ext.status === 'declined' ? 'failed' : 'pending', ext.status),
      ext.note ? ` Note: ${ext.note}` : null) : null,
    h('section', {'aria-labelledby': 'plan-h'}, h('h2', {id: 'plan-h'}, 'Payment plan'),
      invoice.payment_plan ? planTable(invoice) : h('p', {class: 'hint'}, 'No payment plan: the whole balance is due on the due date.'),
      invoice.payable ? planForm(invoice, base, reload) : null),
    h('h2', {}, 'Payments'),
    invoice.payments.length ? paymentsTable(invoice.payments, () => reload(), `Payments of invoice ${invoice.number}`)
      : h('p', {class: 'hint'}, 'No payments yet.'),
    h('h2', {}, 'Line items'),
    h('ul', {class: 'panel lines'}, invoice.line_items.map(li => h('li', {}, h('span', {}, `${li.description} × ${li.quantity}`),
      h('span', {class: 'num'}, money(li.amount, c))))));
}
