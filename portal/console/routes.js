// The merchant's console, in the same portal: an admin (no client of their own) signs in and sees these pages;
// a client never does (app.js routes by the session, and every /admin route answers a client 403 anyway).

import {attentionPage} from './attention.js';
import {clientsPage, clientPage} from './clients.js';
import {consoleInvoicePage} from './invoice.js';
import {newInvoicePage} from './issue.js';

export const CONSOLE_ROUTES = [
  [/^\/console\/clients\/([^/]+)\/invoices\/([^/]+)$/, consoleInvoicePage, 'Clients'],
  [/^\/console\/clients\/([^/]+)$/, clientPage, 'Clients'],
  [/^\/console\/clients\/?$/, clientsPage, 'Clients'],
  [/^\/console\/new-invoice\/?$/, newInvoicePage, 'Issue an invoice'],
  [/^\/console\/?$/, attentionPage, 'Needs attention'],  // the default: last
];

export const CONSOLE_LINKS = [['/console', 'Needs attention'], ['/console/clients', 'Clients'],
  ['/console/new-invoice', 'Issue an invoice']];
