"""Signed PDF of a full EqIA: median render and sign times, beside raw WeasyPrint and pyHanko.

    python benchmarks/bench_pdf.py [--runs 30]

Uses the demo's signed-off "Mobile library routes 2026" (seeded into
benchmarks/results/pdf.sqlite3 on first run) and the development certificate
(a P-256 key) under benchmarks/results/instance/signing. In one run, each step is
timed ``--runs`` times after a warm-up:

- gather: the record's data from the database (snapshot, decision, history);
- draw: the record drawn by eqia.records.pdf (its template, tables, the Noto fonts,
  "Page N of M", tagged PDF/UA-1 with the furniture as artifacts);
- raw WeasyPrint: the same text, one plain paragraph per line, same fonts, no tables,
  no page furniture and no tagging: the floor for drawing this content with WeasyPrint;
- raw WeasyPrint, same HTML: the record's own HTML written by WeasyPrint with its
  defaults (no PDF/UA, no finishing): the same content with the same engine;
- sign: eqia.records.signing.sign (certify, PAdES, space reserved up front);
- raw pyHanko: sign_pdf on the same PDF with pyHanko's defaults (it signs once
  first to measure the signature when no space is reserved);
- check: the verify page's check of the signed PDF (pyHanko validation plus the
  database lookup);
- download: GET /records/<ref>.pdf through the WSGI app, end to end (the sealed
  record's kept bytes), beside GET /healthz measured the same way in the same run, each
  request in its own app context and database session, 20 times ``--runs`` (at least 200);
- approval with sealing: ``workflow.decide`` approving the demo's EqIA awaiting
  sign-off, which draws, signs and keeps its record, then rolled back, beside the raw
  WeasyPrint render of the same HTML plus a raw pyHanko signature.
"""

import argparse
import io
import statistics
import time

from common import auditor_id, database_name, keep_report, make_app, median, percentile
from common import signed_in_client as client_for
from markupsafe import escape
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pypdf import PdfReader
from sqlalchemy import select
from weasyprint import HTML

from eqia import demo, pdfbase, workflow
from eqia.extensions import db
from eqia.models import Assessment, DecisionKind
from eqia.records import documents, pdf
from eqia.records.record import Record

TITLE = "Mobile library routes 2026"
WAITING = "Home to school transport: new eligibility assessment"


def timed(runs: int, step) -> list[float]:
    step()  # warm-up: fonts loaded, caches filled
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    return times


def record_lines(record: Record) -> list[str]:
    """Every piece of text the record prints, one entry a line."""
    lines = [record.organisation, record.title, record.reference, record.content_hash]
    for section in record.sections:
        lines.append(section.heading)
        for row in section.rows:
            lines += [row.question, *row.answer.split("\n")]
        for item in section.files or []:
            lines.append(f"{item.name} {item.sha256}")
    if record.decision:
        lines += [record.decision.name, record.decision.comment]
        lines += [f"{e.section} {e.rating} {e.comment}" for e in record.decision.evaluations]
    lines += [f"{h.at} {h.who} {h.what} {h.detail}" for h in record.history]
    return lines


def raw_weasyprint(lines: list[str]) -> bytes:
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return HTML(
        string=f'<html lang="en-GB"><body style="font: 10pt/14pt {pdfbase.TEXT_STACK}">'
        f"{paragraphs}</body></html>"
    ).write_pdf()


def raw_pyhanko(content: bytes, signer: signers.SimpleSigner) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    meta = signers.PdfSignatureMetadata(field_name="Signature")
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    app = make_app("pdf")
    with app.app_context():
        assessment = db.session.scalar(select(Assessment).where(Assessment.title == TITLE))
        if assessment is None:
            demo.seed("a long benchmark password")
            assessment = db.session.scalar(select(Assessment).where(Assessment.title == TITLE))
        revision = assessment.approved_revision
        keys = documents.keys()
        record = documents.record(assessment, revision)
        drawn = pdf.render(record)
        signed = documents.sign(drawn, record)
        lines = record_lines(record)
        signer = keys.certificate.signer()
        reference = assessment.reference
        client = client_for(app, auditor_id())
        pages = len(PdfReader(io.BytesIO(drawn)).pages)

        waiting = db.session.scalar(select(Assessment).where(Assessment.title == WAITING))
        reviewer = waiting.assigned_to
        html = pdf.html(record)

        def approve():
            workflow.decide(
                waiting,
                reviewer,
                DecisionKind.APPROVED,
                revision_number=waiting.revision,
                evaluations={},
                objectives={},
            )
            db.session.flush()
            db.session.rollback()

        results = {
            "gather (database to record)": timed(
                args.runs, lambda: documents.record(assessment, revision)
            ),
            "draw (eqia.records.pdf)": timed(args.runs, lambda: pdf.render(record)),
            "raw WeasyPrint, same text": timed(args.runs, lambda: raw_weasyprint(lines)),
            "raw WeasyPrint, same HTML": timed(args.runs, lambda: HTML(string=html).write_pdf()),
            "sign (eqia.records.signing)": timed(args.runs, lambda: documents.sign(drawn, record)),
            "raw pyHanko sign_pdf": timed(args.runs, lambda: raw_pyhanko(drawn, signer)),
            "check (verify page logic)": timed(
                args.runs, lambda: documents.check(io.BytesIO(signed))
            ),
        }
        results["approval with sealing"] = timed(args.runs, approve)
        raw_sealing = [
            a + b
            for a, b in zip(
                results["raw WeasyPrint, same HTML"], results["raw pyHanko sign_pdf"], strict=True
            )
        ]
        backend = database_name(app)

    # Outside the app context above, so each request has its own context and database
    # session, as it does in production; these take milliseconds, so many more runs.
    quick = max(args.runs * 20, 200)
    download = timed(quick, lambda: client.get(f"/records/{reference}.pdf"))
    results["download GET /records/<ref>.pdf"] = download
    results["GET /healthz"] = timed(quick, lambda: client.get("/healthz"))

    algorithm = keys.certificate.certificate.signature_algorithm_oid._name
    report = [
        f"Signed PDF of {reference} ({TITLE}): {pages} pages, {len(drawn):,} bytes drawn, "
        f"{len(signed):,} signed; {len(lines)} lines of text; {args.runs} runs each; "
        f"database {backend}; certificate {algorithm}",
        "",
        f"{'step':<36} {'median ms':>10} {'p95 ms':>8} {'min ms':>8}",
    ]
    for name, times in results.items():
        report.append(
            f"{name:<36} {median(times):>10.1f} {percentile(times, 95):>8.1f} {min(times):>8.1f}"
        )
    render = median(results["gather (database to record)"]) + median(
        results["draw (eqia.records.pdf)"]
    )
    sealing, raw = median(results["approval with sealing"]), median(raw_sealing)
    healthz = median(results["GET /healthz"])
    report += [
        "",
        f"approval with sealing median {sealing:.1f} ms beside {raw:.1f} ms for a raw render "
        f"of the same HTML plus a raw signature: {sealing / raw:.2f}×",
        f"download of the sealed record median {median(download):.1f} ms beside /healthz "
        f"{healthz:.1f} ms: {median(download) / healthz:.2f}×",
        f"render (gather + draw) median {render:.1f} ms; sign median "
        f"{median(results['sign (eqia.records.signing)']):.1f} ms; "
        f"spread of draw {statistics.pstdev(results['draw (eqia.records.pdf)']):.1f} ms (σ)",
    ]
    keep_report(report, f"pdf-{backend}.txt")


if __name__ == "__main__":
    main()
