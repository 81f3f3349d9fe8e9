import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emailToDocument, fromDomain, looksLikeEmail } from './email-document.ts';

const ROUTED_SPAM = [
  'From bounce@mailer.example  Tue Jul 23 17:55:45 2002',
  'Return-Path: <bounce@mailer.example>',
  'Received: from relay.example (relay.example [10.0.0.1])',
  '\tby mx.example (8.11.6) with ESMTP id g6NLtshY000264;',
  '\tTue, 23 Jul 2002 16:55:55 -0500',
  'Message-Id: <20020723053323.SM01128@relayzzz>',
  'Date: Tue, 23 Jul 2002 17:36:34 -0400',
  'From: "Deals" <offers@Cheap-Pills.example>',
  'To: victim@example.org',
  'Subject: Cheap',
  ' pills today',
  'X-Spam-Status: Yes, hits=12.3 required=5.0 tests=SPAMMARKER',
  'X-Spam-Level: ************',
  'X-SpamCop-Disposition: Blocked spamcopmarker',
  'X-Mailing-List: listmarker',
  '',
  'Buy now at http://pills.example/buy?id=42 for only 19.99 dollars',
  'or write to sales@pills.example',
].join('\n');

test('keeps Subject and body, drops routing, identifiers, dates and X-Spam verdicts', () => {
  const doc = emailToDocument(ROUTED_SPAM);
  assert.equal(doc.subject, 'cheap pills today');
  assert.equal(doc.text, 'cheap pills today buy now at <url> for only <num> dollars or write to <email>');
  for (const leaked of ['spammarker', 'hits', 'spamcopmarker', 'listmarker', 'relay', 'esmtp', 'relayzzz', 'jul', 'victim']) {
    assert.ok(!doc.text.includes(leaked), `"${leaked}" leaked into the model text: ${doc.text}`);
  }
  assert.equal(doc.fromDomain, 'cheap-pills.example');
});

test('decodes RFC 2047 subjects and quoted-printable bodies in their charset', () => {
  const raw = [
    'Subject: =?iso-8859-1?Q?Caf=E9_cr=E8me?= =?utf-8?B?w6k=?=',
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Le caf=C3=A9 est pr=C3=AAt, soft =',
    'break here',
  ].join('\r\n');
  const doc = emailToDocument(raw);
  assert.equal(doc.subject, 'café crèmeé');
  assert.equal(doc.body, 'le café est prêt, soft break here');
});

test('reads multipart/alternative as its plain part and decodes base64 parts, dropping attachments', () => {
  const plain = Buffer.from('Hello from the plain part', 'utf8').toString('base64');
  const raw = [
    'Subject: parts',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'This is a multi-part message in MIME format.',
    '--outer',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    plain,
    '--inner',
    'Content-Type: text/html',
    '',
    '<p>Hello from HTML</p>',
    '--inner--',
    '--outer',
    'Content-Type: image/gif',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=',
    '--outer--',
    'epilogue text',
  ].join('\n');
  assert.equal(emailToDocument(raw).text, 'parts hello from the plain part');
});

test('strips HTML markup, scripts and styles but keeps link targets as URLs', () => {
  const raw = [
    'Subject: html only',
    'Content-Type: text/html; charset=us-ascii',
    '',
    '<html><head><style>p { color: red }</style><script>var x = 1;</script></head>',
    '<body><!-- hidden comment --><P>Click&nbsp;<a href="http://win.example/">HERE</a> &amp; win&#33;</P></body></html>',
  ].join('\n');
  assert.equal(emailToDocument(raw).text, 'html only click <url> here & win!');
});

test('extracts the From domain of the address, not of the display name', () => {
  assert.equal(fromDomain('"a@b.example" <Real@Sender.Example>'), 'sender.example');
  assert.equal(fromDomain('no address here'), null);
  assert.equal(fromDomain(undefined), null);
});

test('tells raw mail from plain prose', () => {
  assert.ok(looksLikeEmail(ROUTED_SPAM));
  assert.ok(looksLikeEmail('Subject: hi\nFrom: a@b.example\n\nbody'));
  assert.ok(!looksLikeEmail('Note: this is prose.\nIt has a colon.\n\nAnd a paragraph.'));
  assert.ok(!looksLikeEmail('just one line'));
});
