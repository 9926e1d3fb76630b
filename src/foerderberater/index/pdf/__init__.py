"""PDF extraction: reading order, tables as rows, OCR for scanned pages, extraction report.

Entry point: :func:`foerderberater.index.pdf.extract.extract_pdf`. Submodules import their heavy
dependencies (pdfplumber, pypdfium2) inside functions, so importing this package is cheap.
"""
