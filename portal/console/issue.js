// "Issue an invoice" (POST /admin/invoices): the client, number, dates, line items in dollars and cents, whether
// part payments are allowed (and their minimum) and the late fee. One Idempotency-Key per form: a double click or
// a retry after a lost answer issues one invoice.

import {get, post} from '../api.js';
import {h, fill, money, parseCents, newKey, announce} from '../dom.js';
import {navigate} from '../router.js';
import {consoleError} from './words.js';

function line(n, remove, onChange) {
  const description = h('input', {type: 'text', id: `line-desc-${n}`, name: 'description', required: true, maxlength: '500'});
  const quantity = h('input', {type: 'number', id: `line-qty-${n}`, name: 'quantity', min: '1', value: '1', required: true});
  const unit = h('input', {type: 'text', inputmode: 'decimal', id: `line-unit-${n}`, name: 'unit_amount', required: true, placeholder: '0.00'});
  [quantity, unit].forEach(el => el.addEventListener('input', onChange));
  const row = h('fieldset', {class: 'line'}, h('legend', {}, `Line ${n + 1}`),
    h('label', {for: `line-desc-${n}`}, 'Description'), description,
    h('div', {class: 'line-numbers'},
      h('div', {}, h('label', {for: `line-qty-${n}`}, 'Quantity'), quantity),
      h('div', {}, h('label', {for: `line-unit-${n}`}, 'Unit price ($)'), unit)),
    n ? h('button', {type: 'button', class: 'danger', onclick: () => remove(row)}, `Remove line ${n + 1}`) : null);
  row.read = () => ({description: description.value.trim(), quantity: Number(quantity.value), unit_amount: parseCents(unit.value)});
  return row;
}

export async function newInvoicePage(main) {
  const chosen = new URLSearchParams(location.search).get('client');
  const {clients} = await get('/admin/clients?limit=100');
  const key = newKey();
  const client = h('select', {id: 'issue-client', name: 'client_id', required: true},
    clients.map(c => h('option', {value: c.client_id, selected: c.client_id === chosen}, `${c.name} (${c.billing_email})`)));
  const number = h('input', {type: 'text', id: 'issue-number', name: 'number', required: true, maxlength: '40', placeholder: 'INV-1050'});
  const issued = h('input', {type: 'date', id: 'issue-issued', name: 'issued_date'});
  const due = h('input', {type: 'date', id: 'issue-due', name: 'due_date', required: true});
  const partial = h('input', {type: 'checkbox', id: 'issue-partial', name: 'allow_partial'});
  const minimum = h('input', {type: 'text', inputmode: 'decimal', id: 'issue-minimum', name: 'minimum_payment', placeholder: '0.00', disabled: true});
  partial.addEventListener('change', () => { minimum.disabled = !partial.checked; });
  const feeKind = h('select', {id: 'issue-fee', name: 'late_fee'}, h('option', {value: ''}, "The merchant's default"),
    h('option', {value: 'none'}, 'No late fee'), h('option', {value: 'flat'}, 'A flat fee'), h('option', {value: 'percent'}, 'A percentage of the unpaid balance'));
  const feeValue = h('input', {type: 'text', inputmode: 'decimal', id: 'issue-fee-value', name: 'late_fee_value', disabled: true});
  const feeLabel = h('label', {for: 'issue-fee-value'}, 'Fee ($ or %)');
  const grace = h('input', {type: 'number', id: 'issue-grace', name: 'grace_days', min: '0', max: '30', value: '0', disabled: true});
  feeKind.addEventListener('change', () => {
    const on = ['flat', 'percent'].includes(feeKind.value);
    feeValue.disabled = grace.disabled = !on;
    feeLabel.textContent = feeKind.value === 'percent' ? 'Percentage (%)' : 'Fee ($)';
  });
  const lines = h('div', {});
  const total = h('p', {class: 'hint', 'aria-live': 'polite'});
  const showTotal = () => {
    const cents = [...lines.children].reduce((s, row) => { const l = row.read(); return s + (l.unit_amount || 0) * (l.quantity || 0); }, 0);
    total.textContent = `Total ${money(cents)}`;
  };
  let count = 0;
  const remove = row => { row.remove(); showTotal(); lines.querySelector('input').focus(); };
  const addLine = () => { const row = line(count++, remove, showTotal); lines.append(row); showTotal(); return row; };
  addLine();
  const status = h('div', {role: 'alert'});
  fill(main, h('h1', {}, 'Issue an invoice'), h('form', {class: 'panel', novalidate: true, onsubmit: async event => {
    event.preventDefault();
    status.replaceChildren();
    const items = [...lines.children].map(row => row.read());
    if (!client.value || !number.value.trim() || !due.value || items.some(l => !l.description || !(l.quantity >= 1) || l.unit_amount === null)) {
      status.replaceChildren(h('p', {class: 'error'}, 'Fill in the client, the number, the due date and every line (description, quantity, unit price).'));
      return;
    }
    const body = {client_id: client.value, number: number.value.trim(), due_date: due.value, line_items: items,
      allow_partial: partial.checked, ...(issued.value ? {issued_date: issued.value} : {})};
    if (partial.checked) body.minimum_payment = parseCents(minimum.value || '0') || 0;
    if (feeKind.value === 'none') body.late_fee_policy = {kind: 'none'};
    if (feeKind.value === 'flat') body.late_fee_policy = {kind: 'flat', amount: parseCents(feeValue.value) || 0, grace_days: Number(grace.value) || 0};
    if (feeKind.value === 'percent') {  // "1.5" (%) reads as 150 hundredths: 150 basis points
      body.late_fee_policy = {kind: 'percent', basis_points: parseCents(feeValue.value) || 0, grace_days: Number(grace.value) || 0};
    }
    try {
      const invoice = await post('/admin/invoices', body, {'Idempotency-Key': key});
      announce(`Invoice ${invoice.number} issued.`);
      navigate(`/console/clients/${encodeURIComponent(invoice.client_id)}/invoices/${encodeURIComponent(invoice.invoice_id)}`);
    } catch (err) {
      status.replaceChildren(h('p', {class: 'error'}, consoleError(err)));
    }
  }}, h('label', {for: 'issue-client'}, 'Client'), client,
  h('label', {for: 'issue-number'}, 'Invoice number'), number,
  h('div', {class: 'line-numbers'},
    h('div', {}, h('label', {for: 'issue-issued'}, 'Issued (default: today)'), issued),
    h('div', {}, h('label', {for: 'issue-due'}, 'Due date'), due)),
  h('h2', {}, 'Line items'), lines,
  h('div', {class: 'actions'}, h('button', {type: 'button', onclick: () => addLine().querySelector('input').focus()}, 'Add a line'), total),
  h('h2', {}, 'Payment terms'),
  h('label', {class: 'choice'}, partial, 'The client may pay part of it'),
  h('label', {for: 'issue-minimum'}, 'Smallest part payment ($)'), minimum,
  h('label', {for: 'issue-fee'}, 'Late fee'), feeKind, feeLabel, feeValue,
  h('label', {for: 'issue-grace'}, 'Days of grace after the due date'), grace,
  status, h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Issue the invoice'))));
}
