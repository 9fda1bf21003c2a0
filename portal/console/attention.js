// "Needs attention": extension requests waiting for an answer (approve or decline, with a note the client reads),
// problem reports still open (resolve them), and payments a person should look at (an open dispute, money kept as
// credit, a payment stuck with its processor), from GET /admin/attention.

import {get, post} from '../api.js';
import {h, fill, money, day, dateTime, methodText, badge, announce} from '../dom.js';
import {navigate} from '../router.js';
import {consoleError, REASON_WORDS, REASON_HINTS, REPORT_KIND_WORDS} from './words.js';
import {openRefund} from './refund.js';

export function clientLink(clientId, text) {
  const href = `/console/clients/${encodeURIComponent(clientId)}`;
  return h('a', {href, onclick: event => { event.preventDefault(); navigate(href); }}, text || clientId);
}

export function invoiceLink(clientId, invoiceId, text) {
  const href = `/console/clients/${encodeURIComponent(clientId)}/invoices/${encodeURIComponent(invoiceId)}`;
  return h('a', {href, onclick: event => { event.preventDefault(); navigate(href); }}, text);
}

function extensionCard(ext, reload) {
  const id = ext.extension_request_id;
  const note = h('textarea', {id: `note-${id}`, name: 'note', maxlength: '1000'});
  const status = h('div', {role: 'alert'});
  const answer = async verdict => {
    status.replaceChildren();
    try {
      await post(`/admin/extension-requests/${encodeURIComponent(id)}/${verdict}`, note.value.trim() ? {note: note.value.trim()} : {});
      announce(verdict === 'approve' ? 'Extension approved.' : 'Extension declined.');
      await reload();
    } catch (err) {
      status.replaceChildren(h('p', {class: 'error'}, consoleError(err)));
    }
  };
  return h('li', {class: 'panel'},
    h('p', {}, h('strong', {}, ext.client_name || ext.client_id), ' asks to move ',
      invoiceLink(ext.client_id, ext.invoice_id, `invoice ${ext.invoice_number}`),
      ` from ${day(ext.due_date)} to ${day(ext.requested_due_date)}.`),
    h('p', {class: 'hint'}, `Their reason: ${ext.reason}`),
    ext.expired ? h('p', {class: 'warning'}, 'The date they asked for has passed: it can only be declined.') : null,
    h('label', {for: `note-${id}`}, 'Note to the client (optional)'), note, status,
    h('div', {class: 'actions'},
      h('button', {type: 'button', class: 'primary', disabled: ext.expired, onclick: () => answer('approve')}, 'Approve'),
      h('button', {type: 'button', onclick: () => answer('decline')}, 'Decline')));
}

function reportCard(report, reload) {
  const id = report.problem_report_id;
  const resolution = h('textarea', {id: `resolution-${id}`, name: 'resolution', required: true, maxlength: '2000'});
  const status = h('div', {role: 'alert'});
  return h('li', {class: 'panel'}, h('form', {onsubmit: async event => {
    event.preventDefault();
    status.replaceChildren();
    if (!resolution.value.trim()) {
      status.replaceChildren(h('p', {class: 'error'}, 'Say how it was resolved.'));
      resolution.focus();
      return;
    }
    try {
      await post(`/admin/problem-reports/${encodeURIComponent(id)}/resolve`, {resolution: resolution.value.trim()});
      announce('Problem report resolved.');
      await reload();
    } catch (err) {
      status.replaceChildren(h('p', {class: 'error'}, consoleError(err)));
    }
  }}, h('p', {}, h('strong', {}, report.client_name || report.client_id), ` reported: ${REPORT_KIND_WORDS[report.kind]}`,
    h('span', {class: 'hint'}, ` · ${dateTime(report.created_at)}`)),
  h('p', {class: 'hint'}, `"${report.message}"`),
  h('p', {class: 'hint'}, 'Payment ', h('code', {}, report.payment_id), ' · ', clientLink(report.client_id, 'their payments')),
  h('label', {for: `resolution-${id}`}, 'How it was resolved'), resolution, status,
  h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Resolve'))));
}

function paymentRow(p, reload) {
  return h('tr', {},
    h('td', {'data-label': 'Client'}, clientLink(p.client_id, p.client_name || p.client_id)),
    h('td', {'data-label': 'Invoice'}, invoiceLink(p.client_id, p.invoice_id, p.invoice_number || p.invoice_id)),
    h('td', {'data-label': 'Payment'}, `${methodText(p)}, ${dateTime(p.created_at)}`),
    h('td', {class: 'num', 'data-label': 'Amount'}, money(p.amount, p.currency)),
    h('td', {'data-label': 'Why'}, badge(p.reason === 'credit' ? 'pending' : 'overdue', REASON_WORDS[p.reason]),
      h('div', {class: 'hint'}, REASON_HINTS[p.reason])),
    h('td', {class: 'row-actions'}, ['succeeded', 'partially_refunded'].includes(p.status)
      ? h('button', {type: 'button', 'aria-label': `Refund: payment of ${money(p.amount, p.currency)} by ${p.client_name || p.client_id}`,
          onclick: () => openRefund(p, reload)}, 'Refund') : null));
}

export async function attentionPage(main) {
  const reload = () => attentionPage(main);
  const data = await get('/admin/attention');
  const nothing = !data.extension_requests.length && !data.problem_reports.length && !data.payments.length;
  fill(main, h('h1', {}, 'Needs attention'),
    nothing ? h('p', {class: 'success'}, 'Nothing needs a person right now.') : null,
    h('section', {'aria-labelledby': 'ext-h'}, h('h2', {id: 'ext-h'}, `Extension requests (${data.extension_requests.length})`),
      data.extension_requests.length ? h('ul', {class: 'cards'}, data.extension_requests.map(e => extensionCard(e, reload)))
        : h('p', {class: 'hint'}, 'No request is waiting for an answer.')),
    h('section', {'aria-labelledby': 'reports-h'}, h('h2', {id: 'reports-h'}, `Problem reports (${data.problem_reports.length})`),
      data.problem_reports.length ? h('ul', {class: 'cards'}, data.problem_reports.map(r => reportCard(r, reload)))
        : h('p', {class: 'hint'}, 'No report is open.')),
    h('section', {'aria-labelledby': 'payments-h'}, h('h2', {id: 'payments-h'}, `Payments (${data.payments.length})`),
      data.payments.length ? h('div', {class: 'table-wrap stack-narrow'}, h('table', {},
        h('caption', {class: 'visually-hidden'}, 'Payments a person should look at'),
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Client'), h('th', {scope: 'col'}, 'Invoice'),
          h('th', {scope: 'col'}, 'Payment'), h('th', {scope: 'col', class: 'num'}, 'Amount'), h('th', {scope: 'col'}, 'Why'),
          h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Action')))),
        h('tbody', {}, data.payments.map(p => paymentRow(p, reload)))))
        : h('p', {class: 'hint'}, 'No payment needs a person.')));
}
