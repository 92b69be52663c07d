"""Malaysian payout compliance (SPEC section 14): payees, s107D withholding, self-billed e-invoices, CP58.

Plain Python, no Airflow and no warehouse: the command line (`campaignctl finance`) and the
payout stage's finance steps call the same functions. The product prepares these files;
it never files or submits anything to LHDN (finance's own system signs and submits).

- `payees`: reading and checking the payees data set, the company (buyer) file, masking.
- `crypto`: the identity fields encrypted at rest (Fernet / MultiFernet, key rotation).
- `withholding`: prior-year totals, the 2 % s107D withholding, held payments, payments.csv.
- `einvoice`: MyInvois UBL 2.1 JSON self-billed invoices, credit and debit notes.
- `cp58`: the yearly CP58 statement file and one printable statement per payee.
"""

from __future__ import annotations
